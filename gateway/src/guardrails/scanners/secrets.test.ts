import { describe, expect, it } from "vitest";
import { fillTemplate, jsonl } from "../../../test/fixtures/guardrails/load.ts";
import { ScanText } from "../scanner.ts";
import { findSecrets, secrets } from "./secrets.ts";

interface SecretRow {
  readonly label: 0 | 1;
  readonly kind: string;
  readonly template: string;
}

const settings = { name: "Secrets", kind: "secrets", phase: "input", failMode: "closed" } as const;
const rows = jsonl<SecretRow>("secrets.jsonl");

describe("Secrets detection on the shipped examples", () => {
  it.each(rows.filter((row) => row.label === 1).map((row) => [row.kind, row.template] as const))("finds %s in %s", (kind, template) => {
    const text = fillTemplate(template);
    const found = findSecrets(new ScanText(text), true);
    expect(found.map((finding) => finding.kind), text).toContain(kind);
  });

  it.each(rows.filter((row) => row.label === 0).map((row) => [row.kind, row.template] as const))("passes %s: %s", (_, template) => {
    const text = fillTemplate(template);
    expect(findSecrets(new ScanText(text), true), text).toEqual([]);
  });
});

describe("Secrets verdicts", () => {
  it("blocks by default, naming only the kinds found", () => {
    const key = fillTemplate("AKIA{{U:16}}");
    const verdict = secrets(settings, {}).scan(new ScanText(`my key: ${key}`));
    expect(verdict).toMatchObject({ action: "block", reason: "secret", detail: "aws_access_key" });
    expect(JSON.stringify(verdict)).not.toContain(key);
  });

  it("redacts every secret when asked, in each redact_mode", () => {
    const key = fillTemplate("AKIA{{U:16}}");
    const token = fillTemplate("ghp_{{A:36}}");
    const text = new ScanText(`aws ${key} and github ${token}.`);
    const all = secrets(settings, { redact: true }).scan(text);
    expect(all.action).toBe("redact");
    const apply = (verdict: typeof all): string => {
      if (verdict.action !== "redact") throw new Error("expected a redaction");
      let out = text.text;
      for (const span of [...verdict.spans].sort((a, b) => b.start - a.start)) out = out.slice(0, span.start) + span.replacement + out.slice(span.end);
      return out;
    };
    expect(apply(all)).toBe("aws [REDACTED_AWS_ACCESS_KEY] and github [REDACTED_GITHUB_TOKEN].");
    const partial = apply(secrets(settings, { redact: true, redact_mode: "partial" }).scan(text));
    expect(partial).toBe(`aws ${key.slice(0, 2)}…${key.slice(-2)} and github ${token.slice(0, 2)}…${token.slice(-2)}.`);
    const hashed = apply(secrets(settings, { redact: true, redact_mode: "hash" }).scan(text));
    expect(hashed).toMatch(/^aws \[REDACTED_[0-9a-f]{16}\] and github \[REDACTED_[0-9a-f]{16}\]\.$/);
    expect(hashed).not.toContain(key);
  });

  it("redacts only the password of a URL and the value of an assignment", () => {
    const password = fillTemplate("{{A:16}}");
    const verdict = secrets(settings, { redact: true }).scan(new ScanText(`postgres://app:${password}@db:5432/x and secret="${password}x"`));
    if (verdict.action !== "redact") throw new Error("expected a redaction");
    expect(verdict.spans.map((span) => span.replacement)).toEqual(["[REDACTED_PASSWORD_IN_URL]", "[REDACTED_ASSIGNMENT]"]);
  });

  it("can turn the high-entropy heuristic off", () => {
    const text = new ScanText(fillTemplate('value = "{{A:32}}"'));
    expect(secrets(settings, {}).scan(text).action).toBe("block");
    expect(secrets(settings, { high_entropy: false }).scan(text).action).toBe("allow");
  });

  it("redacts by default as LiteLLM's hide-secrets", () => {
    expect(secrets(settings, {}, true).scan(new ScanText(fillTemplate("key AKIA{{U:16}}"))).action).toBe("redact");
  });
});
