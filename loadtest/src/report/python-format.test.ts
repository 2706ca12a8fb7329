import { describe, expect, it } from "vitest";
import { csvRow, formatUtcTimestamp, pyFloatRepr, pyRound, pyStrRepr } from "./python-format.ts";

describe("pyFloatRepr", () => {
  it("matches Python's repr(float) (values taken from CPython 3)", () => {
    const cases: Array<[number, string]> = [
      [0.1, "0.1"],
      [1e-5, "1e-05"],
      [123.456, "123.456"],
      [1e16, "1e+16"],
      [1.5e-7, "1.5e-07"],
      [12345678901234568, "1.2345678901234568e+16"],
      [0.0001, "0.0001"],
      [100, "100.0"],
      [2.5, "2.5"],
      [-3.25, "-3.25"],
      [1 / 3, "0.3333333333333333"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [0.00012, "0.00012"],
      [123456789012345.6, "123456789012345.6"],
      [0, "0.0"],
    ];
    for (const [value, text] of cases) expect(pyFloatRepr(value), String(value)).toBe(text);
  });
});

describe("pyStrRepr", () => {
  it("picks quotes and escapes like Python", () => {
    expect(pyStrRepr("abc")).toBe("'abc'");
    expect(pyStrRepr("it's")).toBe(`"it's"`);
    expect(pyStrRepr('say "hi"')).toBe(`'say "hi"'`);
    expect(pyStrRepr(`both ' and "`)).toBe(`'both \\' and "'`);
    expect(pyStrRepr("tab\there")).toBe("'tab\\there'");
    expect(pyStrRepr("nl\n")).toBe("'nl\\n'");
    expect(pyStrRepr("é")).toBe("'é'");
  });
});

describe("pyRound", () => {
  it("rounds exact halves to even, as Python's round()", () => {
    expect([0.5, 1.5, 2.5, 2.4999].map((x) => pyRound(x))).toEqual([0, 2, 2, 2]);
    expect([145, 155, 144.9, 1234.5].map((x) => pyRound(x, -1))).toEqual([140, 160, 140, 1230]);
    expect(pyRound(99.9, 6)).toBe(99.9);
  });
});

describe("csvRow", () => {
  it("writes Python csv QUOTE_MINIMAL fields and a CRLF terminator", () => {
    expect(csvRow(["a", "", "b,c", 'say "x"', "two\nlines"])).toBe('a,,"b,c","say ""x""","two\nlines"\r\n');
    expect(csvRow([""])).toBe('""\r\n');
  });
});

describe("formatUtcTimestamp", () => {
  it("formats whole UTC seconds", () => {
    expect(formatUtcTimestamp(1700000001.9)).toBe("2023-11-14T22:13:21Z");
  });
});
