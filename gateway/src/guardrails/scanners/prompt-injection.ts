/**
 * PromptInjection: a scored heuristic over known injection phrasings (instruction override,
 * role-play jailbreaks, system-prompt extraction, chat-template delimiters, indirect injection
 * planted in documents), in English, Vietnamese, French, German, Spanish, Japanese and Chinese,
 * plus payloads hidden in an encoding (base64, hex, ROT13, \u escapes, dotted letters, Unicode
 * tag characters), which are decoded and scored too.
 *
 * Speed: the text's words (one shared pass, see word-index.ts) are looked up by hash; a rule is
 * tried, as a sticky regex, only where one of its anchor words occurs.
 */
import { INJECTION_RULES } from "../data/injection-rules.ts";
import type { InjectionRule } from "../data/injection-rules.ts";
import { allow, combineScores, ScanText } from "../scanner.ts";
import type { Scanner, ScannerSettings, Verdict } from "../scanner.ts";
import { RuleSet } from "../rule-set.ts";
import type { WordIndex } from "../word-index.ts";

export interface PromptInjectionOptions {
  readonly threshold?: number;
}

/** Blocks at or above this score (tuned on the dev set; see docs/guardrails.md). */
export const DEFAULT_INJECTION_THRESHOLD = 0.6;

export interface InjectionScore {
  readonly score: number;
  /** Rule ids that matched (safe to log). */
  readonly rules: readonly string[];
}

export class InjectionDetector {
  private readonly rules: RuleSet<InjectionRule>;

  constructor(rules: readonly InjectionRule[] = INJECTION_RULES) {
    this.rules = new RuleSet(rules);
  }

  /** Scores a text; `depth` 0 also decodes hidden payloads (which are scored at depth 1). */
  score(input: string | ScanText, depth = 0): InjectionScore {
    const text = typeof input === "string" ? new ScanText(input) : input;
    const scores: number[] = [];
    const ids: string[] = [];
    for (const { rule } of this.rules.match(text.lower, text.words)) {
      scores.push(rule.weight);
      ids.push(rule.id);
    }
    if (depth === 0) {
      for (const decoded of hiddenPayloads(text)) {
        const inner = this.score(new ScanText(decoded), 1);
        if (inner.score > 0) {
          scores.push(inner.score * 0.95);
          ids.push(...inner.rules.map((id) => `decoded:${id}`));
        }
      }
    }
    return { score: combineScores(scores), rules: ids };
  }
}

// ---------------------------------------------------------------------------------------------
// Hidden payloads: decoded texts worth scoring (at most a few, each bounded in size).

const MAX_PAYLOADS = 6;
const MAX_PAYLOAD_CHARS = 4096;
/** Shortest hex run worth decoding (12 bytes); base64 runs: MIN_BASE64_RUN (scanner.ts). */
const MIN_HEX_RUN = 24;
const HEX_RUN = /^[0-9a-fA-F]+$/;
const UNICODE_ESCAPES = /(?:\\u[0-9a-f]{4}|\\x[0-9a-f]{2}){4,}/g;
const ROT13_HINT = /rot[- ]?13/;
const DOTTED = /\b(?:[a-z][.\-_*|]){2,}[a-z]\b/g;
const TAG_CHARS = /[\u{E0020}-\u{E007E}]+/gu;

/** Mostly readable text: letters, digits, spaces and punctuation, no control bytes. */
function readable(text: string): boolean {
  if (text.length < 8) return false;
  let good = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 32 && code < 127) || code === 10 || code === 9) good++;
  }
  // Two words; the lookbehind makes it try each word once (linear on a long run of letters).
  return good / text.length > 0.9 && /(?<![a-z])[a-z]{3,}\s+[a-z]{2}/i.test(text);
}

function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (char) => {
    const base = char <= "Z" ? 65 : 97;
    return String.fromCharCode(((char.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Three or more single letters in a row, one separator apart ("i.g.n.o.r.e"), from the word index. */
function hasSpelledOutLetters(words: WordIndex): boolean {
  const { count, starts, ends } = words;
  let run = 0;
  for (let i = 0; i < count; i++) {
    if (ends[i]! - starts[i]! !== 1) run = 0;
    else run = run > 0 && starts[i] === ends[i - 1]! + 1 ? run + 1 : 1;
    if (run >= 3) return true;
  }
  return false;
}

function hiddenPayloads(input: ScanText): string[] {
  const { text, lower } = input;
  const found: string[] = [];
  const add = (candidate: string): void => {
    if (found.length < MAX_PAYLOADS && readable(candidate)) found.push(candidate.slice(0, MAX_PAYLOAD_CHARS));
  };
  for (const [start, end] of input.base64Runs) {
    if (found.length >= MAX_PAYLOADS) break;
    if (end - start > MAX_PAYLOAD_CHARS * 2) continue;
    const run = text.slice(start, end);
    const hex = end - start >= MIN_HEX_RUN && (end - start) % 2 === 0 && HEX_RUN.test(run);
    add(Buffer.from(run, hex ? "hex" : "base64").toString("latin1"));
  }
  // Substring searches first (fast): the regexes only run on texts that mention them.
  if (lower.includes("13") && ROT13_HINT.test(lower)) add(rot13(text));
  if (lower.includes("\\") && (lower.includes("\\u") || lower.includes("\\x"))) {
    const decoded = lower.replace(UNICODE_ESCAPES, (run) => run.replace(/\\u([0-9a-f]{4})|\\x([0-9a-f]{2})/g, (_, u: string | undefined, x: string | undefined) => String.fromCharCode(parseInt(u ?? x ?? "0", 16))));
    if (decoded !== lower) add(decoded);
  }
  if (hasSpelledOutLetters(input.words)) add(lower.replace(DOTTED, (run) => run.replace(/[.\-_*|]/g, "")));
  // Unicode tag characters (U+E0020–E007E, "ASCII smuggling") are surrogate pairs led by \uDB40.
  if (text.includes("\udb40")) {
    for (const match of text.matchAll(TAG_CHARS)) add(Array.from(match[0], (char) => String.fromCharCode(char.codePointAt(0)! - 0xe0000)).join(""));
  }
  return found;
}

// ---------------------------------------------------------------------------------------------

export function promptInjection(settings: ScannerSettings, options: PromptInjectionOptions, detector = new InjectionDetector()): Scanner {
  const threshold = options.threshold ?? DEFAULT_INJECTION_THRESHOLD;
  return {
    ...settings,
    roles: "conversation",
    scan(input: ScanText): Verdict {
      const { score, rules } = detector.score(input);
      if (score < threshold) return allow(score);
      return { action: "block", score, reason: "prompt_injection", detail: rules.slice(0, 4).join(",") };
    },
  };
}

/** The detector's confusion counts, precision and recall at `threshold` over labelled texts (label 1 = injection). */
export function detectionQuality(detector: InjectionDetector, rows: ReadonlyArray<{ readonly label: number; readonly text: string }>, threshold = DEFAULT_INJECTION_THRESHOLD): { tp: number; fp: number; fn: number; precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const row of rows) {
    const flagged = detector.score(row.text).score >= threshold;
    if (flagged && row.label === 1) tp++;
    else if (flagged) fp++;
    else if (row.label === 1) fn++;
  }
  return { tp, fp, fn, precision: tp / (tp + fp), recall: tp / (tp + fn) };
}
