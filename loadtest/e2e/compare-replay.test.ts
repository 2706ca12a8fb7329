/**
 * compare: the same scenario against two targets in interleaved slices, ratios with spread;
 * replay: the seed benchmark scaled down, printed next to the published figures.
 */
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MockUpstream } from "../../gateway/src/mock/mock-upstream.ts";
import { ScriptedServer } from "./support/scripted-server.ts";
import { removeTempDirs, runHarness } from "./support/run-harness.ts";

interface Comparison {
  readonly metric: string;
  readonly a: number;
  readonly b: number;
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
}

const fast = new MockUpstream({ latencyMs: 2 });
const slow = new MockUpstream({ latencyMs: 30 });
let a = "";
let b = "";

beforeAll(async () => {
  a = await fast.listen(0);
  b = await slow.listen(0);
});

afterAll(async () => {
  await fast.close();
  await slow.close();
  removeTempDirs();
});

function comparisons(stdout: string): Map<string, Comparison> {
  const parsed = JSON.parse(stdout) as { comparisons: Comparison[]; rounds: unknown[] };
  return new Map(parsed.comparisons.map((c) => [c.metric, c]));
}

describe("compare", () => {
  it("interleaves A and B on autocannon and reports B/A ratios with their spread", async () => {
    const run = await runHarness(["compare", "--a", a, "--b", b, "-u", "2", "--rounds", "2", "--slice", "1s", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { rounds: unknown[] }).rounds).toHaveLength(2);
    const byMetric = comparisons(run.stdout);
    const p50 = byMetric.get("p50 (ms)");
    // B answers ~28 ms later than A: its latency ratio is far above 1, its throughput ratio below
    expect(p50?.ratio).toBeGreaterThan(2);
    expect(p50?.ratioMin).toBeLessThanOrEqual(p50?.ratio ?? 0);
    expect(p50?.ratioMax).toBeGreaterThanOrEqual(p50?.ratio ?? Infinity);
    expect(byMetric.get("requests/s")?.ratio).toBeLessThan(0.5);
    expect(byMetric.has("overhead p50 (ms)")).toBe(false);
    const { failures } = JSON.parse(run.stdout) as { failures: { a: { failures: number }; b: { failures: number }; over: string[] } };
    expect([failures.a.failures, failures.b.failures, failures.over]).toEqual([0, 0, []]);
    expect(run.stderr).toMatch(/warm-up \(discarded\)/);
    expect(fast.stats().hits["openai chat"]).toBeGreaterThan(0);
  }, 30_000);

  it("reports each side's failure rate, and a side answering with fast 500s fails the comparison (exit 1)", async () => {
    const failing = new ScriptedServer(() => ({ status: 500, body: '{"error":{"message":"boom"}}' }));
    const broken = await failing.listen();
    try {
      const run = await runHarness(["compare", "--a", a, "--b", broken, "-u", "2", "--rounds", "1", "--slice", "1s"]);
      expect(run.code, run.stderr).toBe(1);
      expect(failing.hitsOf("/v1/chat/completions")).toBeGreaterThan(0);
      // the 500s answer far faster than A's 2 ms mock: without the check, B would look faster
      expect(run.stdout).toMatch(/failure rate \(%\)\s+0\.000\s+100\.0\s+n\/a\s+n\/a-n\/a\n/);
      expect(run.stdout).toMatch(/WARNING: B failed more than 1\.00 % of requests \(--max-fail-rate\): A 0 of \d+ \(0\.00 %\), B (\d+) of \1 \(100\.00 %\)\./);
      expect(run.stdout).toMatch(/ratios over failed responses are not comparable/);
      expect(run.stderr).toMatch(/ERROR\/pharos-load: WARNING: B failed more than 1\.00 %/);
      expect(run.stderr).toMatch(/round 1\/1: A .*, 0 failed \| B .*, [1-9]\d* failed/);

      // a limit above B's rate lets it pass, still showing the row and saying what is in the ratios
      const lenient = await runHarness(["compare", "--a", a, "--b", broken, "-u", "2", "--rounds", "1", "--slice", "1s", "--max-fail-rate", "1", "--json"]);
      expect(lenient.code, lenient.stderr).toBe(0);
      const report = JSON.parse(lenient.stdout) as { failures: { a: { rate: number }; b: { rate: number; failures: number }; maxFailRate: number; over: string[] }; notes: string[] };
      expect(report.failures).toMatchObject({ a: { rate: 0 }, b: { rate: 1 }, maxFailRate: 1, over: [] });
      expect(report.failures.b.failures).toBeGreaterThan(0);
      expect(report.notes).toEqual([expect.stringMatching(/^note: failed responses are in the ratios: A 0 of \d+ \(0\.00 %\), B \d+ of \d+ \(100\.00 %\); under the 100\.00 % limit/)]);
    } finally {
      await failing.close();
    }
  }, 30_000);

  it("with --rate compares on the open model, measuring from the intended send time", async () => {
    const run = await runHarness(["compare", "--a", a, "--b", b, "--rate", "20", "--rounds", "1", "--slice", "1s"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/open model, 20 req\/s; 1 rounds x 1 s per target/);
    expect(run.stdout).toMatch(/p50 \(ms\)\s+[\d.]+\s+[\d.]+\s+[\d.]+/);
    expect(run.stdout).toMatch(/failure rate \(%\)\s+0\.000\s+0\.000\s+n\/a/);
    expect(run.stdout).not.toMatch(/WARNING|note:/);
  }, 30_000);
});

describe("replay", () => {
  const gateway = new ScriptedServer(() => ({ delayMs: 5, headers: { "x-litellm-overhead-duration-ms": "0.8" }, body: '{"choices":[]}' }));
  let url = "";
  beforeAll(async () => (url = await gateway.listen()));
  afterAll(() => gateway.close());

  it("runs the seed benchmark scaled down and prints its table beside the published figures", async () => {
    const run = await runHarness(["replay", "-H", url, "-u", "4", "-r", "4", "-t", "2", "--only-summary"]);
    expect(run.code, run.stderr).toBe(0);
    expect(gateway.hitsOf("/v1/chat/completions")).toBeGreaterThan(10);
    expect(run.stdout).toMatch(/published: 1000 users, spawn 500\/s, 5m, between\(0\.1, 0\.5\)/);
    expect(run.stdout).toMatch(/this run: {2}4 users, spawn 4\/s/);
    // Locust's median is a whole-ms bucket, clamped into [min, max] of the raw times: 5.93 when
    // every answer took 5.5–5.99 ms (bucket 6, max 5.93). So it may have decimals.
    expect(run.stdout).toMatch(/Median latency \(ms\)\s+\d+(\.\d+)?\s+100\n/);
    expect(run.stdout).toMatch(/95th percentile \(ms\)\s+\d+\s+150\n/);
    expect(run.stdout).toMatch(/99th percentile \(ms\)\s+\d+\s+240\n/);
    expect(run.stdout).toMatch(/Average latency \(ms\)\s+[\d.]+\s+111\.7\n/);
    expect(run.stdout).toMatch(/Requests\/s\s+[\d.,]+\s+1,170\n/);
    expect(run.stdout).toMatch(/LiteLLM overhead median \(ms\)\s+0\.8\s+2\n/);
    expect(run.stdout).toMatch(/closed-model check: 4 users/);
    // the gateway check before the run: one GET of the readiness route, answered 200, no warning
    expect(gateway.hitsOf("/health/readiness")).toBe(1);
    expect(run.stderr).not.toMatch(/not ready/);
  }, 30_000);
});

describe("replay checks the gateway first", () => {
  async function unusedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it("fails at once, saying how to start one, when nothing listens at the target", async () => {
    const target = `http://127.0.0.1:${await unusedPort()}`;
    const run = await runHarness(["replay", "-H", target], { timeoutMs: 15_000 });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`pharos-load: error: no gateway at ${target}: start it with \`make run\` or \`make stack\` first (GET ${target}/health/readiness: `);
    expect(run.stderr).toMatch(/ECONNREFUSED/);
    expect(run.stderr).not.toMatch(/Starting litellm-benchmark/);
    // the replay's default run time is 30 s; the check takes one refused connection
    expect(run.seconds).toBeLessThan(8);
  }, 20_000);

  it("compare checks both targets the same way before its first round", async () => {
    const up = new ScriptedServer(() => ({ delayMs: 2 }));
    const a = await up.listen();
    const b = `http://127.0.0.1:${await unusedPort()}`;
    try {
      const run = await runHarness(["compare", "--a", a, "--b", b, "-u", "2", "--rounds", "3", "--slice", "2s"], { timeoutMs: 15_000 });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`no gateway at ${b}: is target B (--b) up? (GET ${b}/health/readiness: `);
      expect(up.hitsOf("/health/readiness")).toBe(1);
      expect(up.hitsOf("/v1/chat/completions")).toBe(0);
      expect(run.seconds).toBeLessThan(8);
    } finally {
      await up.close();
    }
  }, 20_000);

  it("gives up after its short timeout when the target accepts but never answers", async () => {
    const silent = new ScriptedServer(() => ({ delayMs: 20_000 }));
    const target = await silent.listen();
    try {
      const run = await runHarness(["replay", "-H", target], { timeoutMs: 15_000 });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`no gateway at ${target}: start it with \`make run\` or \`make stack\` first (GET ${target}/health/readiness: no answer within 2000 ms)`);
      expect(run.seconds).toBeGreaterThanOrEqual(2);
      expect(run.seconds).toBeLessThan(10);
      expect(silent.hitsOf("/v1/chat/completions")).toBe(0);
    } finally {
      await silent.close();
    }
  }, 20_000);

  it("runs against a gateway that is up but not ready, with a warning", async () => {
    const unready = new ScriptedServer((request) => (request.url === "/health/readiness" ? { status: 503 } : { delayMs: 2 }));
    const target = await unready.listen();
    try {
      const run = await runHarness(["replay", "-H", target, "-u", "1", "-r", "1", "-t", "1", "--only-summary"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`WARNING/pharos-load: ${target}/health/readiness answered 503: the gateway is up but not ready, requests may fail`);
      expect(unready.hitsOf("/v1/chat/completions")).toBeGreaterThan(0);
    } finally {
      await unready.close();
    }
  }, 20_000);
});
