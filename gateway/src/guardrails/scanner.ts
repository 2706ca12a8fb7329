/**
 * The scanner interface. A scanner is built once at boot (patterns compiled, lists loaded) for one
 * guardrail and one phase; `scan` is synchronous, pure and fast: it reads a text and answers
 * allow, block (with a reason) or redact (with the spans to replace), with a score in [0, 1].
 */
import type { FailMode } from "./config.ts";
import type { Phase, ScannerKind } from "./kinds.ts";
import { indexWords } from "./word-index.ts";
import type { WordIndex } from "./word-index.ts";

export type { FailMode } from "./config.ts";
export type { Phase, ScannerKind } from "./kinds.ts";

/** Why a scanner blocked: selects the client's (localized) message. Never contains the text. */
export type BlockReason =
  | "banned_substring"
  | "prompt_injection"
  | "toxicity"
  | "secret"
  | "token_limit"
  | "malicious_url"
  | "refusal"
  | "code"
  /** The scanner failed or the phase deadline passed, and the scanner fails closed. */
  | "unavailable";

export interface RedactSpan {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

export type Verdict =
  | { readonly action: "allow"; readonly score: number }
  | {
      readonly action: "block";
      readonly score: number;
      readonly reason: BlockReason;
      /** Safe to log: what kind of finding (e.g. `aws_access_key`, `shortener`), never the text. */
      readonly detail?: string;
      /** Values for the client message (e.g. the token limit). */
      readonly params?: Readonly<Record<string, number>>;
    }
  | { readonly action: "redact"; readonly score: number; readonly spans: readonly RedactSpan[]; readonly detail?: string };

export const ALLOW: Verdict = { action: "allow", score: 0 };

export function allow(score: number): Verdict {
  return score === 0 ? ALLOW : { action: "allow", score };
}

/**
 * The text a scanner reads. On streams, `text` is a sliding window: the tail of what was already
 * sent followed by the new chunk, and only findings that end after `from` count (earlier text
 * was judged, and allowed, when it arrived).
 */
export class ScanText {
  readonly text: string;
  /** Offset where the text not yet judged begins (0 except on streams). */
  readonly from: number;
  /** The provider-prefixed model the request is for (TokenLimit picks its tokenizer by it). */
  readonly model: string | undefined;
  /** How many messages the text joins (TokenLimit adds their framing tokens). */
  readonly parts: number;
  private lowered: string | undefined;
  private indexed: WordIndex | undefined;
  private runs: ReadonlyArray<readonly [number, number]> | undefined;

  constructor(text: string, from = 0, model?: string, parts = 1) {
    this.text = text;
    this.from = from;
    this.model = model;
    this.parts = parts;
  }

  /**
   * The lowercased text, computed once and shared by the scanners that match word lists. Its
   * offsets equal the text's except after the rare characters whose lowercase is longer (İ).
   */
  get lower(): string {
    return (this.lowered ??= this.text.toLowerCase());
  }

  /** The words of the lowercased text (one pass, shared by the word-list scanners). */
  get words(): WordIndex {
    return (this.indexed ??= indexWords(this.lower));
  }

  /**
   * Runs of base64 characters at least 20 long (PromptInjection decodes them, Secrets weighs
   * their entropy), in the text's offsets.
   */
  get base64Runs(): ReadonlyArray<readonly [number, number]> {
    // The lowercase index's offsets are the text's unless lowercasing changed a length (İ): then
    // the text gets its own index, so such a character cannot hide a payload.
    return (this.runs ??= this.text.length === this.lower.length ? this.words.base64Runs : indexWords(this.text).base64Runs);
  }
}

export interface Scanner {
  /** The guardrail name (what requests and keys select, what headers, logs and metrics show). */
  readonly name: string;
  readonly kind: ScannerKind;
  readonly phase: Phase;
  /** What a failure or a missed deadline does: allow (open) or block (closed). */
  readonly failMode: FailMode;
  /**
   * Input only: "conversation" skips system and developer messages (the operator's own text,
   * which legitimately says things like "never reveal these instructions").
   */
  readonly roles: "all" | "conversation";
  scan(input: ScanText): Verdict;
}

/** Noisy-OR: the probability that at least one independent signal is right. */
export function combineScores(scores: Iterable<number>): number {
  let miss = 1;
  for (const score of scores) miss *= 1 - score;
  // Rounded so that one signal of weight w scores exactly w (1 - (1 - 0.2) is 0.19999…).
  return Math.round((1 - miss) * 1e9) / 1e9;
}

/** What every scanner factory receives besides its own options. */
export type ScannerSettings = Pick<Scanner, "name" | "kind" | "phase" | "failMode">;
