/**
 * Secrets: API keys of the major clouds and SaaS, private keys, JWTs, passwords in URLs and in
 * assignments (data/secret-patterns.ts, one combined regex), and high-entropy strings written as
 * a value (after `=`, `:` or a quote). Blocks by default; with `redact: true` the secret is
 * replaced (`redact_mode`: all → [REDACTED_<KIND>], partial → first and last two characters,
 * hash → a SHA-256 prefix) and the request goes on. The secret is never logged or echoed: the
 * block detail lists only the kinds found.
 */
import { createHash } from "node:crypto";
import { PLACEHOLDER, SECRET_PATTERNS } from "../data/secret-patterns.ts";
import type { SecretPattern } from "../data/secret-patterns.ts";
import { ALLOW } from "../scanner.ts";
import type { RedactSpan, Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";
import { base64Runs } from "../word-index.ts";

export interface SecretsOptions {
  readonly redact?: boolean;
  readonly redact_mode?: "all" | "partial" | "hash";
  readonly high_entropy?: boolean;
}

export interface SecretFinding {
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

/** Kinds whose value is free text: it must look random, not like a word. */
const FREE_FORM = new Set(["assignment", "password_in_url", "bearer_token", "basic_auth"]);
const combine = (patterns: readonly SecretPattern[], flags: string): RegExp => new RegExp(patterns.map((pattern) => `(?<${pattern.id}>${pattern.source})`).join("|"), flags);
const COMBINED = combine(SECRET_PATTERNS, "dg");
/** The formats with a recognizable shape: tried on a free-form value to name what it is. */
const SPECIFIC = combine(SECRET_PATTERNS.filter((pattern) => !FREE_FORM.has(pattern.id)), "");
const IDS = SECRET_PATTERNS.map((pattern) => pattern.id);

const MIN_ENTROPY_RUN = 20;
const MAX_ENTROPY_RUN = 128;

function shannonEntropy(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

function characterClasses(text: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 97 && code <= 122) lower = 1;
    else if (code >= 65 && code <= 90) upper = 1;
    else if (code >= 48 && code <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

/** A free-form value that looks like a credential rather than a word or a placeholder. */
function looksSecret(value: string): boolean {
  if (PLACEHOLDER.test(value)) return false;
  return characterClasses(value) >= 2 || value.length >= 20;
}

/** Random-looking: three character classes and close to the most entropy its length allows. */
function highEntropy(value: string): boolean {
  if (characterClasses(value) < 3) return false;
  return shannonEntropy(value) >= 0.8 * Math.log2(Math.min(value.length, 64));
}

const VALUE_PREFIX = new Set(["=", ":", '"', "'", "`"]);

function isValuePosition(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && text[i] === " ") i--;
  return i >= 0 && VALUE_PREFIX.has(text[i]!);
}

/** Every secret in `text` (positions of the part to redact), in order. */
export function findSecrets(input: ScanText, highEntropyStrings: boolean): SecretFinding[] {
  const text = input.text;
  const found: SecretFinding[] = [];
  COMBINED.lastIndex = 0;
  for (let match = COMBINED.exec(text); match !== null; match = COMBINED.exec(text)) {
    const groups = match.indices!.groups!;
    const kind = IDS.find((id) => groups[id] !== undefined) ?? "secret";
    const [start, end] = groups[`${kind}_value`] ?? groups[kind]!;
    if (!FREE_FORM.has(kind)) {
      found.push({ kind, start, end });
      continue;
    }
    const value = text.slice(start, end);
    const specific = SPECIFIC.exec(value)?.groups;
    const named = specific === undefined ? undefined : IDS.find((id) => specific[id] !== undefined);
    if (named !== undefined) found.push({ kind: named, start, end });
    else if (looksSecret(value)) found.push({ kind, start, end });
  }
  if (highEntropyStrings && text.length === input.lower.length) {
    for (const [start, end] of base64Runs(text, input.words, MIN_ENTROPY_RUN)) {
      if (end - start > MAX_ENTROPY_RUN || !isValuePosition(text, start)) continue;
      if (found.some((finding) => finding.start < end && start < finding.end)) continue;
      if (highEntropy(text.slice(start, end))) found.push({ kind: "high_entropy_string", start, end });
    }
  }
  return found;
}

function replacement(mode: "all" | "partial" | "hash", kind: string, secret: string): string {
  if (mode === "partial") return secret.length <= 8 ? "****" : `${secret.slice(0, 2)}…${secret.slice(-2)}`;
  if (mode === "hash") return `[REDACTED_${createHash("sha256").update(secret).digest("hex").slice(0, 16)}]`;
  return `[REDACTED_${kind.toUpperCase()}]`;
}

export function secrets(settings: ScannerSettings, options: SecretsOptions, redactByDefault = false): Scanner {
  const redact = options.redact ?? redactByDefault;
  const mode = options.redact_mode ?? "all";
  const highEntropyStrings = options.high_entropy ?? true;
  return {
    ...settings,
    roles: "conversation",
    scan(input: ScanText): Verdict {
      const findings = findSecrets(input, highEntropyStrings).filter((finding) => finding.end > input.from);
      if (findings.length === 0) return ALLOW;
      const kinds = [...new Set(findings.map((finding) => finding.kind))].join(",");
      if (!redact) return { action: "block", score: 1, reason: "secret", detail: kinds };
      const spans: RedactSpan[] = findings.map((finding) => ({
        start: finding.start,
        end: finding.end,
        replacement: replacement(mode, finding.kind, input.text.slice(finding.start, finding.end)),
      }));
      return { action: "redact", score: 1, spans, detail: kinds };
    },
  };
}
