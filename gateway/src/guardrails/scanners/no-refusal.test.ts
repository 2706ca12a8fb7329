import { describe, expect, it } from "vitest";
import { jsonl } from "../../../test/fixtures/guardrails/load.ts";
import type { Labelled } from "../../../test/fixtures/guardrails/load.ts";
import { ScanText } from "../scanner.ts";
import { noRefusal } from "./no-refusal.ts";

const scanner = noRefusal({ name: "NoRefusal", kind: "no_refusal", phase: "output", failMode: "closed" }, {});

describe("NoRefusal", () => {
  it.each(jsonl<Labelled>("refusals.jsonl").map((row) => [row.label === 1 ? "blocks" : "allows", row.lang, row.text, row.label] as const))("%s (%s) %s", (_, _lang, text, label) => {
    const verdict = scanner.scan(new ScanText(text));
    expect(verdict.action).toBe(label === 1 ? "block" : "allow");
    if (verdict.action === "block") expect(verdict.reason).toBe("refusal");
  });

  it("honours the threshold", () => {
    const lax = noRefusal({ name: "NoRefusal", kind: "no_refusal", phase: "output", failMode: "closed" }, { threshold: 0.95 });
    expect(lax.scan(new ScanText("I can't assist with that.")).action).toBe("allow");
  });
});
