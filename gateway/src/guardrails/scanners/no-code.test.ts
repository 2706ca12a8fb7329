import { describe, expect, it } from "vitest";
import { jsonl } from "../../../test/fixtures/guardrails/load.ts";
import type { Labelled } from "../../../test/fixtures/guardrails/load.ts";
import { ScanText } from "../scanner.ts";
import { noCode } from "./no-code.ts";

const scanner = noCode({ name: "NoCode", kind: "no_code", phase: "output", failMode: "closed" }, {});

describe("NoCode", () => {
  it.each(jsonl<Labelled>("code.jsonl").map((row) => [row.label === 1 ? "blocks" : "allows", row.category, row.text, row.label] as const))("%s %s: %j", (_, _category, text, label) => {
    expect(scanner.scan(new ScanText(text)).action).toBe(label === 1 ? "block" : "allow");
  });

  it("catches a fence in the chunk that opens it", () => {
    const window = "Here you go:\n```";
    expect(scanner.scan(new ScanText(window, window.length - 3))).toMatchObject({ action: "block", reason: "code", detail: "fence" });
  });

  it("does not block again for a fence already judged", () => {
    const window = "```\nx\n``` and then prose";
    expect(scanner.scan(new ScanText(window, window.indexOf(" and"))).action).toBe("allow");
  });
});
