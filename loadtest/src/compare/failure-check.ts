/**
 * compare's failure check. A target that answers with fast 401s or 500s looks faster than a
 * healthy one, so each side's failure rate over the measured rounds (warm-up excluded) is
 * reported, and a side above the limit makes the comparison invalid: a loud warning and exit 1.
 */
import type { MetricComparison, RoundPair } from "./ratio-stats.ts";

/** Exit code when a side failed too often: the run command's default --exit-code-on-error. */
export const EXIT_TOO_MANY_FAILURES = 1;

/** The default limit of --max-fail-rate: 1 % of a side's requests. */
export const DEFAULT_MAX_FAIL_RATE = 0.01;

export type Side = "A" | "B";

export interface SideFailures {
  readonly requests: number;
  /** HTTP 4xx/5xx answers and network errors. */
  readonly failures: number;
  /** failures / requests; 1 when a side had failures and no request completed, 0 without either. */
  readonly rate: number;
}

export interface FailureCheck {
  readonly a: SideFailures;
  readonly b: SideFailures;
  readonly maxFailRate: number;
  /** The sides whose rate is above maxFailRate. */
  readonly over: readonly Side[];
}

function sideFailures(rounds: readonly RoundPair[], side: "a" | "b"): SideFailures {
  const requests = rounds.reduce((sum, round) => sum + round[side].requests, 0);
  const failures = rounds.reduce((sum, round) => sum + round[side].failures, 0);
  return { requests, failures, rate: requests > 0 ? failures / requests : failures > 0 ? 1 : 0 };
}

export function failureCheck(rounds: readonly RoundPair[], maxFailRate: number): FailureCheck {
  const a = sideFailures(rounds, "a");
  const b = sideFailures(rounds, "b");
  const over: Side[] = [];
  if (a.rate > maxFailRate) over.push("A");
  if (b.rate > maxFailRate) over.push("B");
  return { a, b, maxFailRate, over };
}

/** The table row: each side's failure rate in percent; a ratio of failure rates means nothing. */
export function failureRow(check: FailureCheck): MetricComparison {
  return { metric: "failure rate (%)", a: check.a.rate * 100, b: check.b.rate * 100, ratio: Number.NaN, ratioMin: Number.NaN, ratioMax: Number.NaN };
}

const percent = (rate: number): string => `${(rate * 100).toFixed(2)} %`;

/** What the report says about failures: nothing without any, a note below the limit, a warning above it. */
export function failureLines(check: FailureCheck): string[] {
  const sides: ReadonlyArray<readonly [Side, SideFailures]> = [["A", check.a], ["B", check.b]];
  if (check.a.failures === 0 && check.b.failures === 0) return [];
  const counts = sides.map(([side, f]) => `${side} ${f.failures} of ${f.requests} (${percent(f.rate)})`).join(", ");
  if (check.over.length === 0) return [`note: failed responses are in the ratios: ${counts}; under the ${percent(check.maxFailRate)} limit (--max-fail-rate)`];
  return [
    `WARNING: ${check.over.join(" and ")} failed more than ${percent(check.maxFailRate)} of requests (--max-fail-rate): ${counts}.`,
    "The comparison is not valid: latency and throughput ratios over failed responses are not comparable (an error answered at once looks faster than a healthy target). Fix the target (URL, key, model) and run again.",
  ];
}
