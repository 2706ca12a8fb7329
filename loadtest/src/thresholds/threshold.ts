/**
 * Pass/fail criteria, k6 style: `--threshold 'p99<500'`, `'fail_rate<0.005'`,
 * `'overhead_p50<1'`, with `:abort` to stop the run as soon as it fails.
 *
 * Grammar: `[SOURCE_]STAT OP NUMBER[:abort]`
 * - latency sources (milliseconds): none = request latency (open model: from the intended send
 *   time), `uncorrected` (open model, from the actual send), `overhead`, `ttft`, `itl`, `tpot`;
 *   stats: `p50`, `p99.9`, `p(99)` (any percentile), `avg`, `med`, `min`, `max`;
 * - scalars: `fail_rate` (0..1), `failures`, `requests`, `rps`, `tokens_per_s`,
 *   `dropped`, `dropped_rate`, `late`;
 * - operators: `<`, `<=`, `>`, `>=`, `==`, `!=`.
 */

const LATENCY_SOURCES = ["latency", "uncorrected", "overhead", "ttft", "itl", "tpot"] as const;
export type LatencySource = (typeof LATENCY_SOURCES)[number];
const SCALARS = ["fail_rate", "failures", "requests", "rps", "tokens_per_s", "dropped", "dropped_rate", "late"] as const;
export type ScalarName = (typeof SCALARS)[number];

/** A latency statistic: a percentile (0..100) or one of the named ones. */
export type LatencyStat = { readonly percentile: number } | { readonly named: "avg" | "min" | "max" };

export type MetricRef = { readonly kind: "latency"; readonly source: LatencySource; readonly stat: LatencyStat } | { readonly kind: "scalar"; readonly name: ScalarName };

type Operator = "<=" | ">=" | "==" | "!=" | "<" | ">";

export interface Threshold {
  readonly text: string;
  readonly metric: MetricRef;
  readonly operator: Operator;
  readonly limit: number;
  readonly abort: boolean;
}

export interface ThresholdResult {
  readonly threshold: Threshold;
  /** undefined when the run produced no data for the metric (a failure). */
  readonly value: number | undefined;
  readonly passed: boolean;
}

const SYNTAX = /^\s*([a-z_]+?(?:\(\d+(?:\.\d+)?\)|\d+(?:\.\d+)?)?)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(:abort)?\s*$/;

function parseStat(text: string): LatencyStat | undefined {
  if (text === "avg" || text === "min" || text === "max") return { named: text };
  if (text === "med") return { percentile: 50 };
  const match = /^p\(?(\d+(?:\.\d+)?)\)?$/.exec(text);
  if (match === null) return undefined;
  const percentile = Number(match[1]);
  return percentile > 0 && percentile <= 100 ? { percentile } : undefined;
}

function parseMetric(text: string): MetricRef | undefined {
  if ((SCALARS as readonly string[]).includes(text)) return { kind: "scalar", name: text as ScalarName };
  const split = text.indexOf("_");
  const source = split === -1 ? "latency" : text.slice(0, split);
  const stat = parseStat(split === -1 ? text : text.slice(split + 1));
  if (stat === undefined || !(LATENCY_SOURCES as readonly string[]).includes(source)) return undefined;
  return { kind: "latency", source: source as LatencySource, stat };
}

/** Throws an Error that explains the grammar. */
export function parseThreshold(text: string): Threshold {
  const match = SYNTAX.exec(text);
  const metric = match === null ? undefined : parseMetric(match[1] ?? "");
  if (match === null || metric === undefined) {
    throw new Error(
      `invalid threshold ${JSON.stringify(text)}: expected [SOURCE_]STAT OP NUMBER[:abort], e.g. 'p99<500', 'overhead_p50<1', 'fail_rate<0.005'; ` +
        `sources: ${LATENCY_SOURCES.filter((s) => s !== "latency").join(", ")}; stats: p50, p99.9, p(99), avg, med, min, max; scalars: ${SCALARS.join(", ")}`,
    );
  }
  return { text: text.trim(), metric, operator: match[2] as Operator, limit: Number(match[3]), abort: match[4] !== undefined };
}

function compare(value: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case "<":
      return value < limit;
    case "<=":
      return value <= limit;
    case ">":
      return value > limit;
    case ">=":
      return value >= limit;
    case "==":
      return value === limit;
    case "!=":
      return value !== limit;
  }
}

export function evaluateThresholds(thresholds: readonly Threshold[], valueOf: (metric: MetricRef) => number | undefined): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const value = valueOf(threshold.metric);
    return { threshold, value, passed: value !== undefined && compare(value, threshold.operator, threshold.limit) };
  });
}

function formatValue(value: number | undefined): string {
  if (value === undefined) return "no data";
  return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 1 ? 4 : 2);
}

/** k6-style lines: `✓ p99<500 (p99 = 123.45)`. */
export function thresholdLines(results: readonly ThresholdResult[]): string[] {
  return results.map(({ threshold, value, passed }) => `${passed ? "✓" : "✗"} ${threshold.text} (actual ${formatValue(value)})`);
}
