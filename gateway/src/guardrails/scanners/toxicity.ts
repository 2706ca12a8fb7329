/**
 * Toxicity: a multilingual word list (data/toxicity-terms.ts) with a threshold. The score is the
 * noisy-OR of the distinct terms found; the text is blocked at or above the threshold
 * (LLM Guard's default, 0.5). Latin-script terms are found through the shared word index
 * (a hash lookup per word, then a check at the position), Chinese and Japanese terms by one
 * regex, run only on text that has such characters.
 */
import { TOXIC_TERMS } from "../data/toxicity-terms.ts";
import { LANGUAGES } from "../kinds.ts";
import type { Language } from "../kinds.ts";
import { allow, combineScores } from "../scanner.ts";
import type { Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";
import { termRegex } from "../term-pattern.ts";
import { AnchorIndex, isWordBoundary } from "../word-index.ts";

export interface ToxicityOptions {
  readonly threshold?: number;
  readonly languages?: readonly Language[];
}

export const DEFAULT_TOXICITY_THRESHOLD = 0.5;

interface Term {
  readonly text: string;
  readonly weight: number;
  readonly anchors: readonly string[];
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** The first word of a term, as word-index.ts cuts words (letters and digits). */
function firstWord(term: string): string {
  return /^[\p{L}\p{N}]+/u.exec(term)?.[0] ?? term;
}

export class ToxicityMatcher {
  private readonly byAnchor: AnchorIndex<Term>;
  private readonly cjk: RegExp | undefined;
  private readonly cjkWeights: ReadonlyMap<string, number>;

  constructor(languages: readonly Language[] = LANGUAGES) {
    const latin: Term[] = [];
    const cjkWeights = new Map<string, number>();
    for (const language of languages) {
      for (const [text, weight] of Object.entries(TOXIC_TERMS[language])) {
        if (CJK.test(text)) cjkWeights.set(text, Math.max(weight, cjkWeights.get(text) ?? 0));
        else latin.push({ text, weight, anchors: [firstWord(text)] });
      }
    }
    this.byAnchor = new AnchorIndex(latin);
    this.cjkWeights = cjkWeights;
    this.cjk = cjkWeights.size > 0 ? termRegex([...cjkWeights.keys()], { wholeWords: false, caseSensitive: true }) : undefined;
  }

  /** The distinct terms' weights, and whether one of them ends after `from`. */
  find(input: ScanText): { weights: number[]; fresh: boolean } {
    const lower = input.lower;
    const { count, starts, hashes } = input.words;
    const found = new Map<string, number>();
    let fresh = false;
    for (let i = 0; i < count; i++) {
      const terms = this.byAnchor.get(hashes[i]!);
      if (terms === undefined) continue;
      const start = starts[i]!;
      for (const term of terms) {
        const end = start + term.text.length;
        if (!lower.startsWith(term.text, start) || !isWordBoundary(lower, end)) continue;
        found.set(term.text, term.weight);
        if (end > input.from) fresh = true;
      }
    }
    if (this.cjk !== undefined && input.words.hasCjk) {
      this.cjk.lastIndex = 0;
      for (let match = this.cjk.exec(lower); match !== null; match = this.cjk.exec(lower)) {
        found.set(match[0], this.cjkWeights.get(match[0]) ?? 0);
        if (match.index + match[0].length > input.from) fresh = true;
      }
    }
    return { weights: [...found.values()], fresh };
  }
}

export function toxicity(settings: ScannerSettings, options: ToxicityOptions): Scanner {
  const threshold = options.threshold ?? DEFAULT_TOXICITY_THRESHOLD;
  const matcher = new ToxicityMatcher(options.languages ?? LANGUAGES);
  return {
    ...settings,
    roles: "conversation",
    scan(input: ScanText): Verdict {
      const { weights, fresh } = matcher.find(input);
      if (weights.length === 0) return allow(0);
      const score = combineScores(weights);
      if (score < threshold || !fresh) return allow(score);
      return { action: "block", score, reason: "toxicity", detail: `${weights.length} term${weights.length === 1 ? "" : "s"}` };
    },
  };
}
