/**
 * The words of a (lowercased) text, found in one pass over its character codes: each word's
 * start, end and a 32-bit hash. Word-list scanners (PromptInjection, Toxicity) look words up by
 * hash in a Map built at boot, then verify at the position, so a 4 KB prompt costs one pass and
 * a few hundred integer lookups instead of a regex alternation of hundreds of terms.
 *
 * A word is a run of letters or digits in the spaced scripts (Latin with its diacritics, which
 * covers Vietnamese, Greek, Cyrillic). Chinese and Japanese have no spaces; their characters
 * only set `hasCjk`, and their terms are matched by regex.
 */

export interface WordIndex {
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly hashes: Int32Array;
  /** The text has Han, Kana or Hangul characters. */
  readonly hasCjk: boolean;
}

/** ASCII letters and digits (1) by character code. */
const ASCII_WORD = new Uint8Array(128);
for (let code = 0; code < 128; code++) ASCII_WORD[code] = (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) ? 1 : 0;

function isWordCode(code: number): boolean {
  if (code < 128) return ASCII_WORD[code] === 1;
  if (code <= 0x2af) return code >= 0xc0 && code !== 0xd7 && code !== 0xf7;
  return (code >= 0x300 && code <= 0x52f) || (code >= 0x1e00 && code <= 0x1eff);
}

function isCjkCode(code: number): boolean {
  return (code >= 0x3040 && code <= 0x30ff) || (code >= 0x3400 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af) || (code >= 0xf900 && code <= 0xfaff);
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
/** Hashes are kept to 30 bits: small integers stay unboxed in V8, which keeps Map lookups fast. */
const HASH_MASK = 0x3fffffff;

/** The hash `indexWords` gives a word (the same function, for building lookup maps). */
export function wordHash(word: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME);
  return hash & HASH_MASK;
}

export function indexWords(text: string): WordIndex {
  const capacity = (text.length >> 1) + 1;
  const starts = new Int32Array(capacity);
  const ends = new Int32Array(capacity);
  const hashes = new Int32Array(capacity);
  let count = 0;
  let hasCjk = false;
  let start = -1;
  let hash = FNV_OFFSET;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 ? ASCII_WORD[code] === 1 : isWordCode(code)) {
      if (start < 0) {
        start = i;
        hash = FNV_OFFSET;
      }
      hash = Math.imul(hash ^ code, FNV_PRIME);
      continue;
    }
    if (start >= 0) {
      starts[count] = start;
      ends[count] = i;
      hashes[count] = hash & HASH_MASK;
      count++;
      start = -1;
    }
    if (!hasCjk && code >= 0x3040 && isCjkCode(code)) hasCjk = true;
  }
  if (start >= 0) {
    starts[count] = start;
    ends[count] = text.length;
    hashes[count] = hash & HASH_MASK;
    count++;
  }
  return { count, starts, ends, hashes, hasCjk };
}

/** True when the character at `index` (or the end) does not continue a word. */
export function isWordBoundary(text: string, index: number): boolean {
  return index >= text.length || !isWordCode(text.charCodeAt(index));
}

/** Maps a word's hash to the entries anchored on it (built once at boot). */
export function anchorMap<T>(entries: ReadonlyArray<{ readonly anchors: readonly string[] } & T>): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const entry of entries) {
    for (const anchor of entry.anchors) {
      const hash = wordHash(anchor);
      const list = map.get(hash) ?? [];
      if (!list.includes(entry)) list.push(entry);
      map.set(hash, list);
    }
  }
  return map;
}

const PLUS = 43;
const SLASH = 47;
const EQUALS = 61;

function isAsciiAlnum(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) > 122) return false;
  return true;
}

/**
 * Runs of base64 characters (A–Z, a–z, 0–9, + and /, then up to two = of padding) at least
 * `minLength` long, found from the word index: consecutive ASCII words joined by a single + or /.
 * `text` must have the indexed text's offsets (the original text, when lowercasing kept its length).
 */
export function base64Runs(text: string, words: WordIndex, minLength: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  const { count, starts, ends } = words;
  let i = 0;
  while (i < count) {
    const start = starts[i]!;
    let end = ends[i]!;
    let j = i;
    while (j + 1 < count && starts[j + 1] === end + 1 && (text.charCodeAt(end) === PLUS || text.charCodeAt(end) === SLASH)) {
      j++;
      end = ends[j]!;
    }
    if (end - start >= minLength && isAsciiAlnum(text, start, end)) {
      const last = end;
      while (end < text.length && end - last < 2 && text.charCodeAt(end) === EQUALS) end++;
      runs.push([start, end]);
    }
    i = j + 1;
  }
  return runs;
}
