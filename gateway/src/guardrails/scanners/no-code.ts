/**
 * NoCode: blocks a response that contains code: fenced blocks (``` or ~~~), indented blocks of
 * code-like lines, lines that read as code statements (def, function, import, #include, SQL, …)
 * and <script> tags. Inline `code spans` are prose and pass. Scored, with a threshold (0.5):
 * a fence or a script tag blocks alone, one statement-like line does not.
 */
import { allow, combineScores } from "../scanner.ts";
import type { Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";

export interface NoCodeOptions {
  readonly threshold?: number;
}

export const DEFAULT_CODE_THRESHOLD = 0.5;

interface CodeSignal {
  readonly id: string;
  readonly weight: number;
  /** Global; each match is one signal occurrence. */
  readonly pattern: RegExp;
  /** Occurrences needed before the signal counts (e.g. two indented lines). */
  readonly minCount: number;
}

const SIGNALS: readonly CodeSignal[] = [
  { id: "fence", weight: 0.9, minCount: 1, pattern: /(?:^|\n)[ \t]{0,3}(?:```|~~~)/g },
  { id: "script_tag", weight: 0.9, minCount: 1, pattern: /<script\b|<\?php\b/gi },
  {
    id: "indented_code",
    weight: 0.7,
    minCount: 2,
    pattern: /(?:^|\n)(?: {4}|\t)[ \t]*(?![-*+•] |\d+[.)] )[^\n]*(?:[;{}]|[):]\s*$|=>|::|==|!=|\+=|\breturn\b)[^\n]*(?=\n|$)/gm,
  },
  {
    id: "statement",
    weight: 0.4,
    minCount: 1,
    pattern:
      /(?:^|\n)[ \t]*(?:def \w+\(.*\):|class \w+(?:\(.*\))?:|class \w+(?: extends \w+)? \{|import [\w{}*, ]+ from ['"]|from [\w.]+ import \w|import [\w.]+;|function\*? \w*\s*\([^)]*\)\s*\{|(?:const|let|var) \w+ = .+;|(?:public|private|protected) (?:static )?[\w<>[\]]+ \w+\(|#include ?[<"]|using namespace \w+;|package \w+;|fn \w+\(.*\)(?: -> [\w<>&]+)? \{|func \w+\(.*\) .*\{|SELECT .+ FROM \w|INSERT INTO \w+|CREATE TABLE \w+|for \(.*;.*;.*\)|if \(.+\) \{|(?:[\w<>[\]*&:]+ )+\*?\w+\([^)]*\)\s*(?:const\s*)?\{|\w+\(.*\);\s*$)/gm,
  },
];

export function noCode(settings: ScannerSettings, options: NoCodeOptions): Scanner {
  const threshold = options.threshold ?? DEFAULT_CODE_THRESHOLD;
  return {
    ...settings,
    roles: "all",
    scan(input: ScanText): Verdict {
      const text = input.text;
      const weights: number[] = [];
      const ids: string[] = [];
      let fresh = false;
      for (const signal of SIGNALS) {
        let count = 0;
        let lastEnd = -1;
        signal.pattern.lastIndex = 0;
        for (let match = signal.pattern.exec(text); match !== null; match = signal.pattern.exec(text)) {
          count++;
          lastEnd = match.index + match[0].length;
        }
        if (count < signal.minCount) continue;
        weights.push(count > signal.minCount ? combineScores([signal.weight, signal.weight / 2]) : signal.weight);
        ids.push(signal.id);
        if (lastEnd > input.from) fresh = true;
      }
      if (weights.length === 0) return allow(0);
      const score = combineScores(weights);
      if (score < threshold || !fresh) return allow(score);
      return { action: "block", score, reason: "code", detail: ids.join(",") };
    },
  };
}
