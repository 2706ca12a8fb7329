import { describe, expect, it } from "vitest";
import { pyDict, pyFloat, pyInt, pyJsonDumps } from "./python-json.ts";

describe("pyJsonDumps", () => {
  it("matches json.dumps(..., indent=4) (expected text printed by CPython 3.11)", () => {
    const value = pyDict([
      ["a", []],
      ["b", pyDict([])],
      ["c", 'é\u007f\u2028😀"\\\b\f\n\r\t\u0001'],
      ["d", pyFloat(Number.NaN)],
      ["e", pyFloat(1e16)],
      ["f", [pyInt(1), pyDict([["x", null]])]],
      ["g", true],
    ]);
    expect(pyJsonDumps(value, 4)).toBe(
      [
        "{",
        '    "a": [],',
        '    "b": {},',
        '    "c": "\\u00e9\\u007f\\u2028\\ud83d\\ude00\\"\\\\\\b\\f\\n\\r\\t\\u0001",',
        '    "d": NaN,',
        '    "e": 1e+16,',
        '    "f": [',
        "        1,",
        "        {",
        '            "x": null',
        "        }",
        "    ],",
        '    "g": true',
        "}",
      ].join("\n"),
    );
  });

  it("tells ints from floats and keeps dict keys in insertion order", () => {
    expect(pyJsonDumps([pyInt(2), pyFloat(2), pyFloat(-0), pyFloat(0.1), pyFloat(Number.NEGATIVE_INFINITY)], 0)).toBe("[\n2,\n2.0,\n-0.0,\n0.1,\n-Infinity\n]");
    expect(pyJsonDumps(pyDict([["100", pyInt(1)], ["12", pyInt(2)]]), 1)).toBe('{\n "100": 1,\n "12": 2\n}');
  });

  it("refuses a fractional int", () => {
    expect(() => pyInt(1.5)).toThrow("pyInt: 1.5 is not an integer");
  });
});
