import { describe, expect, it } from "vitest";
import { unsupportedEncoding } from "./read-body.ts";

describe("the Content-Encoding a body may have", () => {
  it.each([
    ["", undefined],
    ["identity", undefined],
    [" Identity ", undefined],
    ["identity, identity", undefined],
    ["gzip", "gzip"],
    ["GZIP", "gzip"],
    ["identity, br", "br"],
    ["deflate, gzip", "deflate"],
    [" , x-compress", "x-compress"],
  ])("%j → %j", (header, expected) => {
    expect(unsupportedEncoding(header)).toBe(expected);
  });
});
