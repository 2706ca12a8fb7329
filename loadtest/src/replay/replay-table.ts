/**
 * The seed's table (median, p95, p99, average latency, RPS, overhead median) for this run next
 * to the published figures, with the closed-model check that the harness offered the load it
 * should have: users / (average latency + mean think time).
 */
import type { BenchmarkFigures } from "./seed-benchmark.ts";
import { SEED_BENCHMARK } from "./seed-benchmark.ts";

export interface ReplayMeasured {
  /** undefined figures print as "n/a" (e.g. no overhead header from a bare upstream). */
  readonly figures: { readonly [K in keyof BenchmarkFigures]: number | undefined };
  /** HDR p50 of the overhead header, for sub-millisecond precision. */
  readonly overheadHdrP50Ms: number | undefined;
  readonly users: number;
  readonly spawnRate: number;
  readonly durationS: number;
  readonly meanThinkS: number;
  readonly host: string;
}

const ROWS: ReadonlyArray<readonly [keyof BenchmarkFigures, string]> = [
  ["medianMs", "Median latency (ms)"],
  ["p95Ms", "95th percentile (ms)"],
  ["p99Ms", "99th percentile (ms)"],
  ["averageMs", "Average latency (ms)"],
  ["rps", "Requests/s"],
  ["overheadMedianMs", "LiteLLM overhead median (ms)"],
];

function show(value: number | undefined): string {
  if (value === undefined) return "n/a";
  return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 1 });
}

export function replayTable(measured: ReplayMeasured): string {
  const published = SEED_BENCHMARK.published;
  const lines = [
    `LiteLLM benchmark replay (${SEED_BENCHMARK.document})`,
    `  published: ${SEED_BENCHMARK.users} users, spawn ${SEED_BENCHMARK.spawnRate}/s, ${SEED_BENCHMARK.runTime}, ${SEED_BENCHMARK.waitTime}; ${SEED_BENCHMARK.setup}`,
    `  this run:  ${measured.users} users, spawn ${measured.spawnRate}/s, ${measured.durationS.toFixed(0)} s, ${SEED_BENCHMARK.waitTime}; ${measured.host}`,
    "",
    `${"".padEnd(30)}${"this run".padStart(12)}${"published".padStart(12)}`,
    ...ROWS.map(([key, label]) => `${label.padEnd(30)}${show(measured.figures[key]).padStart(12)}${show(published[key]).padStart(12)}`),
  ];
  if (measured.overheadHdrP50Ms !== undefined) lines.push(`  (overhead HDR p50: ${measured.overheadHdrP50Ms.toFixed(3)} ms; Locust buckets times below 100 ms to whole ms and clamps its median to min/max)`);
  const average = measured.figures.averageMs;
  if (average !== undefined) {
    const expected = measured.users / (average / 1000 + measured.meanThinkS);
    lines.push(`  closed-model check: ${measured.users} users / (${show(average)} ms + ${measured.meanThinkS} s think) = ${expected.toFixed(1)} req/s expected at full ramp, ${show(measured.figures.rps)} measured`);
  }
  lines.push(`  published RPS per user: ${(published.rps / SEED_BENCHMARK.users).toFixed(2)}; the seed's ${SEED_BENCHMARK.waitTime} would offer ${(SEED_BENCHMARK.users / (published.averageMs / 1000 + 0.3)).toFixed(0)} req/s at ${published.averageMs} ms, so 1,170 matches between(0.5, 1) think time`);
  return `${lines.join("\n")}\n`;
}
