import { describe, expect, it } from "vitest";
import { ScanText } from "../scanner.ts";
import type { Verdict } from "../scanner.ts";
import { banSubstrings } from "./ban-substrings.ts";
import type { BanSubstringsOptions } from "./ban-substrings.ts";

const scan = (options: BanSubstringsOptions, text: string, from = 0): Verdict =>
  banSubstrings({ name: "BanSubstrings", kind: "ban_substrings", phase: "input", failMode: "closed" }, options).scan(new ScanText(text, from));

describe("BanSubstrings", () => {
  it("matches substrings anywhere, ignoring case, by default", () => {
    expect(scan({ substrings: ["acme"] }, "Compare with ACMEcorp please")).toMatchObject({ action: "block", reason: "banned_substring" });
    expect(scan({ substrings: ["acme"] }, "nothing to see")).toEqual({ action: "allow", score: 0 });
  });

  it("matches whole words only with match_type word, in spaced and unspaced scripts", () => {
    expect(scan({ substrings: ["acme"], match_type: "word" }, "Compare with ACMEcorp").action).toBe("allow");
    expect(scan({ substrings: ["acme"], match_type: "word" }, "Compare with Acme, please").action).toBe("block");
    expect(scan({ substrings: ["đối thủ"], match_type: "word" }, "Đừng nhắc đến Đối Thủ nhé").action).toBe("block");
    expect(scan({ substrings: ["竞争对手"], match_type: "word" }, "不要提到竞争对手的产品").action).toBe("block");
  });

  it("respects case_sensitive", () => {
    expect(scan({ substrings: ["Acme"], case_sensitive: true }, "acme").action).toBe("allow");
    expect(scan({ substrings: ["Acme"], case_sensitive: true }, "Acme").action).toBe("block");
  });

  it("with contains_all, blocks only when every substring occurs", () => {
    const options = { substrings: ["alpha", "beta"], contains_all: true };
    expect(scan(options, "alpha only").action).toBe("allow");
    expect(scan(options, "Beta and ALPHA").action).toBe("block");
  });

  it("redacts every occurrence when redact is on", () => {
    const verdict = scan({ substrings: ["project x", "codename"], redact: true }, "Project X (codename Y) and project x");
    expect(verdict).toEqual({
      action: "redact",
      score: 1,
      spans: [
        { start: 0, end: 9, replacement: "[REDACTED]" },
        { start: 11, end: 19, replacement: "[REDACTED]" },
        { start: 27, end: 36, replacement: "[REDACTED]" },
      ],
    });
  });

  it("treats regex characters in substrings literally", () => {
    expect(scan({ substrings: ["a.b*c"] }, "axbbc").action).toBe("allow");
    expect(scan({ substrings: ["a.b*c"] }, "x a.b*c y").action).toBe("block");
  });

  it("allows everything without substrings (warned at boot)", () => {
    expect(scan({}, "anything at all").action).toBe("allow");
  });

  it("on a stream window, only counts occurrences that end in the new text", () => {
    expect(scan({ substrings: ["secret"] }, "the secret was sent. now", 21).action).toBe("allow");
    expect(scan({ substrings: ["secret"] }, "the sec" + "ret", 7).action).toBe("block");
  });
});
