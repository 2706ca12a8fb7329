/**
 * A/B results: for each metric the median of A's and of B's slices, and the B/A ratio of each
 * round (the A and B slices that ran back to back), summarised as median and min–max spread.
 */
import type { SliceMeasure } from "./slice-measure.ts";

export interface RoundPair {
  readonly a: SliceMeasure;
  readonly b: SliceMeasure;
}

export interface MetricComparison {
  readonly metric: string;
  readonly a: number;
  readonly b: number;
  /** Median of the per-round B/A ratios. */
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
}

const METRICS: ReadonlyArray<readonly [string, (m: SliceMeasure) => number | undefined]> = [
  ["requests/s", (m) => m.rps],
  ["p50 (ms)", (m) => m.p50],
  ["p90 (ms)", (m) => m.p90],
  ["p99 (ms)", (m) => m.p99],
  ["mean (ms)", (m) => m.mean],
  ["overhead p50 (ms)", (m) => m.overheadP50],
];

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function defined(values: ReadonlyArray<number | undefined>): number[] {
  return values.filter((value): value is number => value !== undefined);
}

/** A metric only one side reports (the overhead header of a gateway vs a bare upstream) keeps its row, with no ratio. */
export function compareRounds(rounds: readonly RoundPair[]): MetricComparison[] {
  const comparisons: MetricComparison[] = [];
  for (const [metric, pick] of METRICS) {
    const a = defined(rounds.map((round) => pick(round.a)));
    const b = defined(rounds.map((round) => pick(round.b)));
    if (a.length === 0 && b.length === 0) continue;
    const ratios = defined(rounds.map((round) => {
      const [x, y] = [pick(round.a), pick(round.b)];
      return x === undefined || y === undefined || x <= 0 ? undefined : y / x;
    }));
    comparisons.push({
      metric,
      a: median(a),
      b: median(b),
      ratio: median(ratios),
      ratioMin: ratios.length === 0 ? Number.NaN : Math.min(...ratios),
      ratioMax: ratios.length === 0 ? Number.NaN : Math.max(...ratios),
    });
  }
  return comparisons;
}

export function compareTable(comparisons: readonly MetricComparison[]): string {
  const number = (value: number): string => (Number.isNaN(value) ? "n/a" : value >= 100 ? value.toFixed(1) : value.toFixed(3));
  const header = `${"metric".padEnd(20)}${"A (median)".padStart(13)}${"B (median)".padStart(13)}${"B/A".padStart(9)}${"spread (min-max)".padStart(20)}`;
  const rows = comparisons.map((c) => `${c.metric.padEnd(20)}${number(c.a).padStart(13)}${number(c.b).padStart(13)}${number(c.ratio).padStart(9)}${`${number(c.ratioMin)}-${number(c.ratioMax)}`.padStart(20)}`);
  return [header, "-".repeat(header.length), ...rows].join("\n");
}
