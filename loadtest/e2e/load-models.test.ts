/**
 * The two load models against scripted servers, in-process: the closed model's ramp, class
 * weights and think time produce the load Locust's model predicts; the open model keeps its
 * schedule against a slow server, measures from the intended send time and counts what it drops.
 * Tolerances are wide: the machine is shared and only relations are asserted, never speed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeLoadRun } from "../src/load/load-run.ts";
import type { LoadRunResult } from "../src/load/load-run.ts";
import type { LoadPlan } from "../src/cli/run-options.ts";
import { loadScenario } from "../src/scenario/load-scenario.ts";
import { seededRandom } from "../src/scenario/random.ts";
import type { Scenario } from "../src/scenario/scenario.ts";
import { ScriptedServer } from "./support/scripted-server.ts";
import { removeTempDirs, tempDir, writeScenario } from "./support/run-harness.ts";

const dir = tempDir();
afterAll(removeTempDirs);

async function scenario(yaml: string): Promise<Scenario> {
  return loadScenario(writeScenario(dir, `s${Math.random()}.yaml`, yaml), { env: {}, cwd: dir });
}

function run(target: string, plan: LoadPlan, scenarioToRun: Scenario, runTimeMs: number, onSpawned?: (counts: Readonly<Record<string, number>>) => void): Promise<LoadRunResult> {
  return executeLoadRun({ scenario: scenarioToRun, host: target, plan, runTimeMs, stopTimeoutMs: 0, random: seededRandom(11), clock: () => Date.now() / 1000, ...(onSpawned === undefined ? {} : { onSpawned }) });
}

describe("closed model", () => {
  const server = new ScriptedServer(() => ({ delayMs: 10 }));
  let url = "";
  beforeAll(async () => (url = await server.listen()));
  afterAll(() => server.close());

  it("ramps at the spawn rate, splits users by class weight, and offers users / (latency + think time)", async () => {
    const twoClasses = await scenario(`
users:
  - { name: Heavy, weight: 3, wait_time: constant(0.25), tasks: [{ method: GET, path: /heavy }] }
  - { name: Light, weight: 1, wait_time: constant(0.25), tasks: [{ method: GET, path: /light }] }
`);
    const started = performance.now();
    let spawnedAfterS = Number.NaN;
    let spawned: Readonly<Record<string, number>> = {};
    const result = await run(url, { kind: "closed", users: 8, spawnRate: 4 }, twoClasses, 3000, (counts) => {
      spawnedAfterS = (performance.now() - started) / 1000;
      spawned = counts;
    });
    expect(spawned).toEqual({ Heavy: 6, Light: 2 });
    // batches of 4 at 0 s and 1 s: fully spawned after about one second
    expect(spawnedAfterS).toBeGreaterThan(0.8);
    expect(spawnedAfterS).toBeLessThan(1.8);
    // 4 users for 3 s + 4 users for 2 s = 20 user-seconds, one request per (think time + latency)
    const { recorder } = result.run;
    const expected = 20 / (0.25 + recorder.latency.summary().mean / 1000);
    expect(recorder.requestCount).toBeGreaterThan(expected * 0.75);
    expect(recorder.requestCount).toBeLessThan(expected * 1.15);
    const heavyShare = server.hitsOf("/heavy") / (server.hitsOf("/heavy") + server.hitsOf("/light"));
    expect(heavyShare).toBeGreaterThan(0.65);
    expect(heavyShare).toBeLessThan(0.85);
    // the ramp shows in the per-second series: fewer requests in the first second than later
    const [first, second] = result.run.recorder.series.points;
    expect(first?.rps).toBeLessThan((second?.rps ?? 0) * 0.8);
  }, 15_000);
});

describe("open model", () => {
  const SLOW_MS = 300;
  const server = new ScriptedServer(() => ({ delayMs: SLOW_MS }));
  let url = "";
  let slow: Scenario;
  beforeAll(async () => {
    url = await server.listen();
    slow = await scenario("users: [{ name: U, tasks: [{ method: GET, path: /slow }] }]\n");
  });
  afterAll(() => server.close());

  it("keeps its rate against a slow server when concurrency allows (a closed loop would not)", async () => {
    const before = server.hitsOf("/slow");
    const result = await run(url, { kind: "open", rate: 50, arrival: "constant", maxInFlight: 100, maxLatenessMs: 1000 }, slow, 2000);
    const counts = result.run.open?.counts;
    // one send due every 20 ms for the whole run (about 100 in 2 s), every one sent, none dropped
    expect(Math.abs((counts?.intended ?? 0) - 50 * result.run.durationS)).toBeLessThanOrEqual(2);
    expect(counts?.sent).toBe(counts?.intended);
    expect(counts?.dropped).toBe(0);
    // requests still in flight at the stop are cut off, and said so
    expect(result.interrupted).toBeGreaterThan(0);
    expect(result.run.recorder.requestCount + result.interrupted).toBe(counts?.sent);
    // every completed request reached the server; one cut off right at the stop may not have
    const hits = server.hitsOf("/slow") - before;
    expect(hits).toBeGreaterThanOrEqual(result.run.recorder.requestCount);
    expect(hits).toBeLessThanOrEqual(counts?.sent ?? 0);
  }, 15_000);

  it("drops sends it cannot start in time, and measures latency from the intended send time", async () => {
    // capacity: 4 in flight / 300 ms ≈ 13 req/s, offered 50 req/s
    const result = await run(url, { kind: "open", rate: 50, arrival: "constant", maxInFlight: 4, maxLatenessMs: 200 }, slow, 2000);
    const counts = result.run.open?.counts;
    if (counts === undefined) throw new Error("no open-model counts");
    expect(Math.abs(counts.intended - 50 * result.run.durationS)).toBeLessThanOrEqual(2);
    expect(counts.sent + counts.dropped).toBe(counts.intended);
    expect(counts.dropped).toBeGreaterThan(counts.intended * 0.5);
    expect(counts.late).toBeGreaterThan(0);
    const { recorder } = result.run;
    // corrected latency includes the wait for a free slot; uncorrected does not
    expect(recorder.intendedLatency.percentile(50)).toBeGreaterThan(recorder.latency.percentile(50) + 20);
    expect(recorder.latency.percentile(50)).toBeGreaterThanOrEqual(SLOW_MS);
  }, 15_000);
});
