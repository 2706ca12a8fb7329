import { describe, expect, it } from "vitest";
import { jsonl } from "../../../test/fixtures/guardrails/load.ts";
import type { Labelled } from "../../../test/fixtures/guardrails/load.ts";
import { ScanText } from "../scanner.ts";
import { toxicity } from "./toxicity.ts";

const settings = { name: "Toxicity", kind: "toxicity", phase: "input", failMode: "closed" } as const;
const scanner = toxicity(settings, {});

describe("Toxicity", () => {
  it.each(jsonl<Labelled>("toxicity.jsonl").map((row) => [row.label === 1 ? "blocks" : "allows", row.lang, row.text, row.label] as const))("%s (%s) %s", (_, _lang, text, label) => {
    expect(scanner.scan(new ScanText(text)).action).toBe(label === 1 ? "block" : "allow");
  });

  it("scores mild profanity under the threshold, and more of it over", () => {
    const mild = scanner.scan(new ScanText("damn, this is crap"));
    expect(mild.action).toBe("allow");
    expect(mild.score).toBeGreaterThan(0);
    expect(scanner.scan(new ScanText("damn this fucking shit")).action).toBe("block");
  });

  it("limits the lists to the configured languages", () => {
    const englishOnly = toxicity(settings, { languages: ["en"] });
    expect(englishOnly.scan(new ScanText("Ta gueule, espèce de connard.")).action).toBe("allow");
    expect(englishOnly.scan(new ScanText("fuck you")).action).toBe("block");
  });

  it("honours the threshold", () => {
    expect(toxicity(settings, { threshold: 0.95 }).scan(new ScanText("fuck you")).action).toBe("allow");
    expect(toxicity(settings, { threshold: 0.2 }).scan(new ScanText("this sucks")).action).toBe("block");
  });

  it("on a stream window, only counts terms that end in the new text", () => {
    const window = "you idiot! and now some more words";
    expect(scanner.scan(new ScanText(window, window.indexOf("and"))).action).toBe("allow");
    expect(scanner.scan(new ScanText("you", 0)).action).toBe("allow");
    expect(scanner.scan(new ScanText("you idiot", 3)).action).toBe("block");
  });

  it("never puts the matched words in the verdict", () => {
    const verdict = scanner.scan(new ScanText("Fuck you, moron"));
    expect(JSON.stringify(verdict)).not.toMatch(/fuck|moron/i);
  });
});
