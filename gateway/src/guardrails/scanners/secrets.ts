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
import { ALLOW } from "../scanner.ts";
import type { RedactSpan, Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";
import { escapeRegExp } from "../term-pattern.ts";
import { AnchorIndex } from "../word-index.ts";

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

interface CompiledPattern {
  readonly id: string;
  /** Global, with indices (for the `<id>_value` group). */
  readonly regex: RegExp;
}

type AnchoredPattern = CompiledPattern & { readonly anchors: readonly string[]; readonly sticky: RegExp };

const needled = SECRET_PATTERNS.filter((item) => item.anchors.length === 0 && item.needles.length > 0).map((pattern) => ({ pattern, compiled: { id: pattern.id, regex: new RegExp(pattern.source, "dg") } }));
const ALWAYS: readonly CompiledPattern[] = SECRET_PATTERNS.filter((item) => item.anchors.length === 0 && item.needles.length === 0).map((pattern) => ({ id: pattern.id, regex: new RegExp(pattern.source, "dg") }));
/** Needle → the patterns to run when it occurs (those of every needle it contains: "sk-ant-" ⊃ "sk-"). */
const byNeedle = new Map<string, CompiledPattern[]>();
for (const { pattern } of needled) {
  for (const needle of pattern.needles) {
    byNeedle.set(
      needle,
      needled.filter((other) => other.pattern.needles.some((inner) => needle.includes(inner))).map((other) => other.compiled),
    );
  }
}
/** One pass finds which needles occur (longest first). */
const NEEDLES = new RegExp(
  [...byNeedle.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join("|"),
  "g",
);
const ANCHORED = new AnchorIndex<AnchoredPattern>(
  SECRET_PATTERNS.filter((item) => item.anchors.length > 0).map((pattern) => ({ id: pattern.id, anchors: pattern.anchors, regex: new RegExp(pattern.source, "dg"), sticky: new RegExp(pattern.source, "dy") })),
);

/** The patterns worth running on a text: those whose needle occurs in it, and the needle-less. */
function candidatePatterns(text: string): Set<CompiledPattern> {
  const found = new Set<CompiledPattern>(ALWAYS);
  NEEDLES.lastIndex = 0;
  for (let match = NEEDLES.exec(text); match !== null; match = NEEDLES.exec(text)) for (const pattern of byNeedle.get(match[0])!) found.add(pattern);
  return found;
}

/** The formats with a recognizable shape: tried on a free-form value to name what it is. */
const SPECIFIC = SECRET_PATTERNS.filter((pattern) => !FREE_FORM.has(pattern.id)).map((pattern) => ({ id: pattern.id, regex: new RegExp(pattern.source) }));

function specificKind(value: string): string | undefined {
  return SPECIFIC.find((pattern) => pattern.regex.test(value))?.id;
}

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

/** Findings beyond which a scan stops (a block needs one; a redaction of more is rare). */
const MAX_FINDINGS = 256;

/**
 * Every secret in `text` (positions of the part to redact), in order, without overlaps; with
 * `firstOnly`, it stops at the first one (a block needs no more, and a text full of
 * `password=` stays cheap).
 */
export function findSecrets(input: ScanText, highEntropyStrings: boolean, firstOnly = false): SecretFinding[] {
  const text = input.text;
  const limit = firstOnly ? 1 : MAX_FINDINGS;
  let found: SecretFinding[] = [];
  const add = (id: string, match: RegExpExecArray): void => {
    const [start, end] = match.indices!.groups?.[`${id}_value`] ?? match.indices![0]!;
    if (!FREE_FORM.has(id)) {
      found.push({ kind: id, start, end });
      return;
    }
    const value = text.slice(start, end);
    const named = specificKind(value);
    if (named !== undefined) found.push({ kind: named, start, end });
    else if (looksSecret(value)) found.push({ kind: id, start, end });
  };
  for (const pattern of candidatePatterns(text)) {
    const regex = pattern.regex;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null && found.length < limit; match = regex.exec(text)) add(pattern.id, match);
    if (found.length >= limit) return found;
  }
  // Keyword patterns, tried where their first word occurs (the index's offsets are the text's
  // unless lowercasing changed its length; then they run on the whole text).
  const aligned = text.length === input.lower.length;
  if (aligned) {
    const { count, starts, hashes } = input.words;
    for (let i = 0; i < count; i++) {
      const patterns = ANCHORED.get(hashes[i]!);
      if (patterns === undefined) continue;
      for (const pattern of patterns) {
        pattern.sticky.lastIndex = starts[i]!;
        const match = pattern.sticky.exec(text);
        if (match !== null) add(pattern.id, match);
      }
      if (found.length >= limit) return found;
    }
  } else {
    for (const pattern of new Set([...ANCHORED.values()].flat())) {
      pattern.regex.lastIndex = 0;
      for (let match = pattern.regex.exec(text); match !== null && found.length < limit; match = pattern.regex.exec(text)) add(pattern.id, match);
    }
  }
  if (found.length > 1) found = withoutOverlaps(found);
  if (highEntropyStrings && aligned) {
    for (const [start, end] of input.base64Runs) {
      if (end - start > MAX_ENTROPY_RUN || !isValuePosition(text, start)) continue;
      if (found.some((finding) => finding.start < end && start < finding.end)) continue;
      if (highEntropy(text.slice(start, end))) found.push({ kind: "high_entropy_string", start, end });
      if (found.length >= limit) break;
    }
  }
  return found;
}

/** Sorted by position; of overlapping findings, the first (then the longest) wins. */
function withoutOverlaps(findings: SecretFinding[]): SecretFinding[] {
  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: SecretFinding[] = [];
  for (const finding of findings) {
    const last = kept.at(-1);
    if (last !== undefined && finding.start < last.end) continue;
    kept.push(finding);
  }
  return kept;
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
      const findings = findSecrets(input, highEntropyStrings, !redact && input.from === 0).filter((finding) => finding.end > input.from);
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
