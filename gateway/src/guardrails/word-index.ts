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
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly hashes: readonly number[];
  /** The text has Han, Kana or Hangul characters. */
  readonly hasCjk: boolean;
  /**
   * Runs of base64 characters (ASCII words joined by single + or /, then up to two = of padding)
   * at least MIN_BASE64_RUN long: candidates for hidden payloads and high-entropy secrets.
   */
  readonly base64Runs: ReadonlyArray<readonly [number, number]>;
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

const PLUS = 43;
const SLASH = 47;
const EQUALS = 61;

/** Shortest run of base64 characters recorded in `WordIndex.base64Runs`. */
export const MIN_BASE64_RUN = 20;

export function indexWords(text: string): WordIndex {
  // Plain arrays of small integers live in the young generation and die cheaply; typed arrays
  // would allocate off-heap memory per request, which costs more in a busy process than here.
  const starts: number[] = [];
  const ends: number[] = [];
  const hashes: number[] = [];
  const runs: Array<[number, number]> = [];
  let hasCjk = false;
  const length = text.length;
  // The current run of ASCII words joined by single + or / (a base64 candidate).
  let runStart = -1;
  let runEnd = -1;
  const closeRun = (): void => {
    if (runStart >= 0 && runEnd - runStart >= MIN_BASE64_RUN) {
      let end = runEnd;
      while (end < length && end - runEnd < 2 && text.charCodeAt(end) === EQUALS) end++;
      runs.push([runStart, end]);
    }
    runStart = -1;
  };
  let i = 0;
  // Two tight loops (skip separators, then read one word) predict better than one loop with a
  // branch per character.
  while (i < length) {
    let code = text.charCodeAt(i);
    while (!(code < 128 ? ASCII_WORD[code] === 1 : isWordCode(code))) {
      if (!hasCjk && code >= 0x3040 && isCjkCode(code)) hasCjk = true;
      if (++i >= length) {
        closeRun();
        return { count: starts.length, starts, ends, hashes, hasCjk, base64Runs: runs };
      }
      code = text.charCodeAt(i);
    }
    const start = i;
    let hash = FNV_OFFSET;
    let ascii = true;
    do {
      hash = Math.imul(hash ^ code, FNV_PRIME);
      if (code >= 128) ascii = false;
      if (++i >= length) break;
      code = text.charCodeAt(i);
    } while (code < 128 ? ASCII_WORD[code] === 1 : isWordCode(code));
    starts.push(start);
    ends.push(i);
    hashes.push(hash & HASH_MASK);
    if (!ascii) closeRun();
    else if (runStart >= 0 && start === runEnd + 1 && (text.charCodeAt(runEnd) === PLUS || text.charCodeAt(runEnd) === SLASH)) runEnd = i;
    else {
      closeRun();
      runStart = start;
      runEnd = i;
    }
  }
  closeRun();
  return { count: starts.length, starts, ends, hashes, hasCjk, base64Runs: runs };
}

/** True when the character at `index` (or the end) does not continue a word. */
export function isWordBoundary(text: string, index: number): boolean {
  return index >= text.length || !isWordCode(text.charCodeAt(index));
}

/**
 * Maps a word's hash to the entries anchored on it (built once at boot). A 64 Kbit filter on the
 * hash's low bits answers "no entry" for most words without touching the Map (8 KB that stays in
 * cache, where a Map probe per word does not in a busy process).
 */
export class AnchorIndex<T> {
  private readonly map = new Map<number, T[]>();
  private readonly filter = new Uint8Array(8192);

  constructor(entries: ReadonlyArray<{ readonly anchors: readonly string[] } & T>) {
    for (const entry of entries) {
      for (const anchor of entry.anchors) {
        const hash = wordHash(anchor);
        const list = this.map.get(hash) ?? [];
        if (!list.includes(entry)) list.push(entry);
        this.map.set(hash, list);
        this.filter[(hash >>> 3) & 8191]! |= 1 << (hash & 7);
      }
    }
  }

  get(hash: number): T[] | undefined {
    return (this.filter[(hash >>> 3) & 8191]! & (1 << (hash & 7))) === 0 ? undefined : this.map.get(hash);
  }

  values(): IterableIterator<T[]> {
    return this.map.values();
  }
}


