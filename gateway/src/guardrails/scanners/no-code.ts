/**
 * NoCode: blocks a response that contains code: fenced blocks (``` or ~~~), indented blocks of
 * code-like lines, lines that read as code statements (def, function, import, #include, SQL, …)
 * and <script> tags. Inline `code spans` are prose and pass. Scored, with a threshold (0.5):
 * a fence or a script tag blocks alone, one statement-like line does not.
 *
 * The text is read line by line, each line tested by anchored patterns, so the cost stays linear
 * whatever the input (a regex over the whole text with `^[ \t]*…[^\n]*` backtracks quadratically
 * on long runs of spaces).
 */
import { allow, combineScores } from "../scanner.ts";
import type { Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";

export interface NoCodeOptions {
  readonly threshold?: number;
}

export const DEFAULT_CODE_THRESHOLD = 0.5;

type SignalId = "fence" | "script_tag" | "indented_code" | "statement";

const WEIGHTS: Readonly<Record<SignalId, number>> = { fence: 0.9, script_tag: 0.9, indented_code: 0.7, statement: 0.4 };
/** Occurrences needed before a signal counts (two indented code lines make a block). */
const MIN_COUNT: Readonly<Record<SignalId, number>> = { fence: 1, script_tag: 1, indented_code: 2, statement: 1 };

const SCRIPT = /<script\b|<\?php\b/gi;
const LIST_ITEM = /^(?:[-*+•] |\d+[.)] )/;
const CODE_PUNCTUATION = /[;{}]|[):]$|=>|::|==|!=|\+=|\breturn\b/;
/** Tested on a line without its indentation and trailing spaces. */
const STATEMENT =
  /^(?:def \w+\([^)]*\):|class \w+(?:\([^)]*\))?:|class \w+(?: extends \w+)? \{|import [\w{}*, ]+ from ['"]|from [\w.]+ import \w|import [\w.]+;|function\*? \w*\s*\([^)]*\)\s*\{|(?:const|let|var) \w+ = [^;]+;|(?:public|private|protected) (?:static )?[\w<>[\]]+ \w+\(|#include ?[<"]|using namespace \w+;|package \w+;|fn \w+\([^)]*\)(?: -> [\w<>&]+)? \{|func \w+\([^)]*\) [^{]*\{|SELECT .+ FROM \w|INSERT INTO \w+|CREATE TABLE \w+|for \([^;]*;[^;]*;[^)]*\)|if \(.+\) \{|(?:[\w<>[\]*&:]+ )+\*?\w+\([^)]*\)\s*(?:const\s*)?\{|\w+\(.*\);$)/;
/** Lines longer than this are prose or data, not code (and would make line patterns costly). */
const MAX_LINE = 1000;

interface Tally {
  count: number;
  lastEnd: number;
}

function indentation(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

function tallyLines(text: string): Map<SignalId, Tally> {
  const tallies = new Map<SignalId, Tally>();
  const count = (id: SignalId, end: number): void => {
    const tally = tallies.get(id) ?? { count: 0, lastEnd: -1 };
    tally.count++;
    tally.lastEnd = end;
    tallies.set(id, tally);
  };
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    if (end - start <= MAX_LINE) {
      const line = text.slice(start, end);
      const indent = indentation(line);
      const body = line.slice(indent).trimEnd();
      if (body !== "") {
        const tabbed = line.charCodeAt(0) === 9;
        if (indent <= 3 && !tabbed && (body.startsWith("```") || body.startsWith("~~~"))) count("fence", start + indent + 3);
        else if ((indent >= 4 || tabbed) && !LIST_ITEM.test(body) && CODE_PUNCTUATION.test(body)) count("indented_code", end);
        if (STATEMENT.test(body)) count("statement", end);
      }
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  SCRIPT.lastIndex = 0;
  for (let match = SCRIPT.exec(text); match !== null; match = SCRIPT.exec(text)) count("script_tag", match.index + match[0].length);
  return tallies;
}

export function noCode(settings: ScannerSettings, options: NoCodeOptions): Scanner {
  const threshold = options.threshold ?? DEFAULT_CODE_THRESHOLD;
  return {
    ...settings,
    roles: "all",
    scan(input: ScanText): Verdict {
      const weights: number[] = [];
      const ids: string[] = [];
      let fresh = false;
      for (const [id, tally] of tallyLines(input.text)) {
        if (tally.count < MIN_COUNT[id]) continue;
        const weight = WEIGHTS[id];
        weights.push(tally.count > MIN_COUNT[id] ? combineScores([weight, weight / 2]) : weight);
        ids.push(id);
        if (tally.lastEnd > input.from) fresh = true;
      }
      if (weights.length === 0) return allow(0);
      const score = combineScores(weights);
      if (score < threshold || !fresh) return allow(score);
      return { action: "block", score, reason: "code", detail: ids.join(",") };
    },
  };
}
