import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROUTE_LABELS, routeLabelOf } from "./route-labels.ts";

describe("route labels", () => {
  it.each([
    ["/v1/chat/completions", "chat_completions"],
    ["/chat/completions", "chat_completions"],
    ["/v1/embeddings", "embeddings"],
    ["/v1/models/gpt-4o", "models"],
    ["/health/readiness", "health"],
    ["/key/generate", "key_admin"],
    ["/spend/logs", "spend_admin"],
    ["/v1/model/info", "model_admin"],
    ["/guardrails/list", "guardrails"],
    ["/metrics", "metrics"],
    ["/v1/chat/completions/extra", "unmatched"],
    ["/wp-admin", "unmatched"],
  ])("%s → %s", (path, label) => {
    expect(routeLabelOf(path)).toBe(label);
  });

  it("are listed in docs/metrics.md exactly: every label the code defines, no other", () => {
    const docs = readFileSync(resolve(import.meta.dirname, "../../../docs/metrics.md"), "utf8");
    const row = docs.split("\n").find((line) => line.startsWith("| `pharos_route` |"));
    expect(row, "the pharos_route row of the label table").toBeDefined();
    const values = row!.split("|")[2]!;
    // The values are the backticked words outside parentheses (those explain the paths).
    const documented = [...values.replace(/\([^)]*\)/g, "").matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!);
    expect([...documented].sort()).toEqual([...ROUTE_LABELS].sort());
    expect(values).not.toContain("…");
  });
});
