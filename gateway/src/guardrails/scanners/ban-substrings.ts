/**
 * BanSubstrings (LLM Guard's options): block, or redact, text containing any (or, with
 * `contains_all`, every) of the configured substrings; `match_type: word` matches whole words
 * only; matching ignores case unless `case_sensitive`.
 */
import { ALLOW } from "../scanner.ts";
import type { RedactSpan, Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";
import { escapeRegExp, termRegex } from "../term-pattern.ts";

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
  const base = { ...settings, roles: "conversation" as const };
  if (substrings.length === 0) return { ...base, scan: () => ALLOW };

  const exact = termRegex(substrings, { wholeWords: options.match_type === "word", caseSensitive });
  const fold = (text: string): string => (caseSensitive ? text : text.toLowerCase());
  const wanted = new Set(substrings.map(fold));
  // Ignoring case anywhere (the default): a plain alternation over the shared lowercased text is
  // several times faster than a case-insensitive Unicode regex over the text.
  const lowered =
    !caseSensitive && options.match_type !== "word"
      ? new RegExp(
          [...wanted]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join("|"),
          "g",
        )
      : undefined;

  return {
    ...base,
    scan(input: ScanText): Verdict {
      // Offsets of the lowercased text are the text's unless lowercasing changed a length.
      const useLower = lowered !== undefined && input.lower.length === input.text.length;
      const text = useLower ? input.lower : input.text;
      const pattern = useLower ? lowered : exact;
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
