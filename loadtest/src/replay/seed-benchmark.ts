/**
 * LiteLLM's published benchmark, as the user's seed document (shared/seeds/003) states it, and
 * the Locust settings it replays.
 */

export interface BenchmarkFigures {
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly averageMs: number;
  readonly rps: number;
  readonly overheadMedianMs: number;
}

export const SEED_BENCHMARK = {
  document: "shared/seeds/003 (LiteLLM AWS deployment, benchmark configuration)",
  setup: "4 instances x 4 vCPU / 8 GB, 4 workers each, PostgreSQL, ALB",
  scenario: "litellm-benchmark",
  users: 1000,
  spawnRate: 500,
  runTime: "5m",
  waitTime: "between(0.1, 0.5)",
  published: { medianMs: 100, p95Ms: 150, p99Ms: 240, averageMs: 111.7, rps: 1170, overheadMedianMs: 2 } satisfies BenchmarkFigures,
} as const;

/** The replay's scaled-down defaults for one small machine (flags override them). */
export const REPLAY_DEFAULTS: Readonly<Record<string, string>> = { locustfile: SEED_BENCHMARK.scenario, users: "50", "spawn-rate": "25", "run-time": "30s" };
