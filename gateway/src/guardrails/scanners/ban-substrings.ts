/**
 * BanSubstrings (LLM Guard's options): block, or redact, text containing any (or, with
 * `contains_all`, every) of the configured substrings; `match_type: word` matches whole words
 * only; matching ignores case unless `case_sensitive`.
 */
import { ALLOW } from "../scanner.ts";
import type { RedactSpan, Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";
import { termRegex } from "../term-pattern.ts";

export interface BanSubstringsOptions {
  readonly substrings?: readonly string[];
  readonly match_type?: "str" | "word";
  readonly case_sensitive?: boolean;
  readonly contains_all?: boolean;
  readonly redact?: boolean;
}

export const REDACTED = "[REDACTED]";

export function banSubstrings(settings: ScannerSettings, options: BanSubstringsOptions): Scanner {
  const substrings = options.substrings ?? [];
  const caseSensitive = options.case_sensitive ?? false;
  const containsAll = options.contains_all ?? false;
  const redact = options.redact ?? false;
  const base = { ...settings, roles: "all" as const };
  if (substrings.length === 0) return { ...base, scan: () => ALLOW };

  const pattern = termRegex(substrings, { wholeWords: options.match_type === "word", caseSensitive });
  const fold = (text: string): string => (caseSensitive ? text : text.toLowerCase());
  const wanted = new Set(substrings.map(fold));
  // The common case (block on any substring, ignoring case): substring searches in the shared
  // lowercased text are cheaper than a case-insensitive Unicode regex.
  const lowered = !caseSensitive && !redact && !containsAll && options.match_type !== "word" ? [...wanted] : undefined;

  return {
    ...base,
    scan(input: ScanText): Verdict {
      const text = input.text;
      if (lowered !== undefined && input.lower.length === text.length) {
        for (const term of lowered) {
          if (input.lower.indexOf(term, Math.max(0, input.from - term.length + 1)) >= 0) return { action: "block", score: 1, reason: "banned_substring" };
        }
        return ALLOW;
      }
      pattern.lastIndex = 0;
      let spans: RedactSpan[] | undefined;
      let fresh = false;
      const found = containsAll ? new Set<string>() : undefined;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const end = match.index + match[0].length;
        if (end > input.from) {
          fresh = true;
          if (!containsAll && !redact) return { action: "block", score: 1, reason: "banned_substring" };
          (spans ??= []).push({ start: match.index, end, replacement: REDACTED });
        }
        found?.add(fold(match[0]));
      }
      if (!fresh) return ALLOW;
      if (found !== undefined && !containsAllOf(found, wanted)) return ALLOW;
      if (!redact) return { action: "block", score: 1, reason: "banned_substring" };
      return { action: "redact", score: 1, spans: spans ?? [] };
    },
  };
}

function containsAllOf(found: ReadonlySet<string>, wanted: ReadonlySet<string>): boolean {
  for (const term of wanted) if (!found.has(term)) return false;
  return true;
}
