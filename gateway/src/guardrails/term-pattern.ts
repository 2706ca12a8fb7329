/**
 * One compiled regular expression for a list of literal terms (word lists, banned substrings):
 * longest terms first, and, for whole-word matching, Unicode-aware boundaries on the sides of a
 * term written in a space-separated script. Chinese and Japanese have no spaces between words,
 * so a term's CJK side matches anywhere.
 */

export function escapeRegExp(text: string): string {
  // Only syntax characters: a needless escape such as \- is an error in Unicode mode.
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

const NO_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const WORD_CHAR = /[\p{L}\p{N}_]/u;

const BEFORE = "(?<![\\p{L}\\p{N}_])";
const AFTER = "(?![\\p{L}\\p{N}_])";

function edges(term: string, wholeWords: boolean): { before: string; after: string } {
  if (!wholeWords) return { before: "", after: "" };
  const first = String.fromCodePoint(term.codePointAt(0)!);
  const last = Array.from(term).at(-1)!;
  return {
    before: WORD_CHAR.test(first) && !NO_SPACES.test(first) ? BEFORE : "",
    after: WORD_CHAR.test(last) && !NO_SPACES.test(last) ? AFTER : "",
  };
}

export interface TermRegexOptions {
  readonly wholeWords: boolean;
  readonly caseSensitive: boolean;
}

/**
 * A global regex matching any of the terms, longest first (overlapping terms prefer the longer).
 * Terms sharing the same boundaries are grouped under one lookaround, which keeps the
 * alternation fast (one boundary check per position, not one per term).
 */
export function termRegex(terms: readonly string[], options: TermRegexOptions): RegExp {
  const unique = [...new Set(terms)].sort((a, b) => b.length - a.length);
  const groups = new Map<string, { before: string; after: string; terms: string[] }>();
  for (const term of unique) {
    const { before, after } = edges(term, options.wholeWords);
    const key = `${before.length}:${after.length}`;
    const group = groups.get(key) ?? { before, after, terms: [] };
    group.terms.push(escapeRegExp(term));
    groups.set(key, group);
  }
  const alternatives = [...groups.values()].map((group) => `${group.before}(?:${group.terms.join("|")})${group.after}`);
  return new RegExp(alternatives.join("|"), options.caseSensitive ? "gu" : "giu");
}
