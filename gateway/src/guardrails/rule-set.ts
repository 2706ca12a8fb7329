/**
 * A set of weighted phrase rules, matched through the shared word index: "word" rules are sticky
 * regexes tried only where one of their anchor words starts; "cjk" rules run on texts with
 * Chinese or Japanese characters; "symbol" rules run when the text contains one of their needles.
 * Used by PromptInjection and NoRefusal.
 */
import { AnchorIndex, indexWords } from "./word-index.ts";
import type { WordIndex } from "./word-index.ts";

export interface PhraseRule {
  readonly id: string;
  readonly weight: number;
  /** "word": tried at each occurrence of an anchor word; "cjk" / "symbol": tried on the whole text. */
  readonly scope: "word" | "cjk" | "symbol";
  /** Lowercase words a match starts with ("word" scope only). */
  readonly anchors: readonly string[];
  /** "symbol" scope: the rule is tried only when the text contains one of these. */
  readonly needles: readonly string[];
  /** Sticky for "word" rules; matched against the lowercased text. */
  readonly pattern: RegExp;
}

export interface RuleMatch<R extends PhraseRule> {
  readonly rule: R;
  /** Where the (last found) match ends. */
  readonly end: number;
}

const words = (list: string): string[] => list.split("|");

export function anchoredRule<E extends object>(id: string, weight: number, anchors: string, source: string, extra: E): PhraseRule & E {
  return { id, weight, scope: "word", anchors: words(anchors), needles: [], pattern: new RegExp(source, "y"), ...extra };
}

export function cjkRule<E extends object>(id: string, weight: number, source: string, extra: E): PhraseRule & E {
  return { id, weight, scope: "cjk", anchors: [], needles: [], pattern: new RegExp(source, "g"), ...extra };
}

export function symbolRule<E extends object>(id: string, weight: number, needles: readonly string[], source: string, extra: E): PhraseRule & E {
  if (needles.length === 0 || needles.includes("")) throw new Error(`symbol rule ${id} needs non-empty needles`);
  return { id, weight, scope: "symbol", anchors: [], needles, pattern: new RegExp(source, "g"), ...extra };
}

export class RuleSet<R extends PhraseRule> {
  private readonly byAnchor: AnchorIndex<R>;
  private readonly cjkRules: readonly R[];
  private readonly symbolRules: readonly R[];

  constructor(rules: readonly R[]) {
    this.byAnchor = new AnchorIndex(rules.filter((rule) => rule.scope === "word"));
    this.cjkRules = rules.filter((rule) => rule.scope === "cjk");
    this.symbolRules = rules.filter((rule) => rule.scope === "symbol");
  }

  /** The rules found in `lower` (with `words` its index), each once, with the end of its last match. */
  match(lower: string, words: WordIndex = indexWords(lower)): Array<RuleMatch<R>> {
    const found = new Map<R, number>();
    const { count, starts, hashes } = words;
    for (let i = 0; i < count; i++) {
      const candidates = this.byAnchor.get(hashes[i]!);
      if (candidates === undefined) continue;
      for (const rule of candidates) {
        rule.pattern.lastIndex = starts[i]!;
        const match = rule.pattern.exec(lower);
        if (match !== null) found.set(rule, match.index + match[0].length);
      }
    }
    if (words.hasCjk) for (const rule of this.cjkRules) lastMatchEnd(rule, lower, found);
    for (const rule of this.symbolRules) if (rule.needles.some((needle) => lower.includes(needle))) lastMatchEnd(rule, lower, found);
    return [...found].map(([rule, end]) => ({ rule, end }));
  }
}

function lastMatchEnd<R extends PhraseRule>(rule: R, lower: string, found: Map<R, number>): void {
  rule.pattern.lastIndex = 0;
  for (let match = rule.pattern.exec(lower); match !== null; match = rule.pattern.exec(lower)) {
    found.set(rule, match.index + match[0].length);
    if (match[0].length === 0) rule.pattern.lastIndex++;
  }
}
