/**
 * NoRefusal: blocks a response that refuses ("I'm sorry, but I can't help with that"), in the
 * seven languages Pharos localizes; a scored phrase heuristic with a threshold (default 0.5).
 */
import { REFUSAL_RULES } from "../data/refusal-rules.ts";
import { RuleSet } from "../rule-set.ts";
import { allow, combineScores } from "../scanner.ts";
import type { Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";

export interface NoRefusalOptions {
  readonly threshold?: number;
}

export const DEFAULT_REFUSAL_THRESHOLD = 0.5;

const RULES = new RuleSet(REFUSAL_RULES);

export function noRefusal(settings: ScannerSettings, options: NoRefusalOptions): Scanner {
  const threshold = options.threshold ?? DEFAULT_REFUSAL_THRESHOLD;
  return {
    ...settings,
    roles: "all",
    scan(input: ScanText): Verdict {
      const matches = RULES.match(input.lower, input.words);
      if (matches.length === 0) return allow(0);
      const score = combineScores(matches.map((match) => match.rule.weight));
      if (score < threshold || !matches.some((match) => match.end > input.from)) return allow(score);
      return { action: "block", score, reason: "refusal", detail: matches.map((match) => match.rule.id).join(",") };
    },
  };
}
