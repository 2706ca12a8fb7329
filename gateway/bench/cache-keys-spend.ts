/**
 * Issue 5's speed targets, measured side by side in one run (`npm run build && node
 * dist/gateway/bench/cache-keys-spend.js`), against the machine's PostgreSQL and Redis:
 *
 *   miss      sequential requests with a new prompt each time (every one a cache miss), through:
 *             the mock directly, a bare Node proxy, Pharos with a master key and no database
 *             (the core configuration), and Pharos with a virtual key (rpm/tpm limits through
 *             Redis, a budget), spend logs to PostgreSQL and the Redis cache on ("full");
 *             the extra cost of keys + spend + cache is full − core (target ≤ 0.15 ms at p50)
 *   hit       the same request again and again: memory cache and Redis cache (targets p50 ≤ 0.3 ms
 *             and ≤ 1 ms); both as the client sees it and as Pharos reports it
 *             (x-litellm-response-duration-ms, arrival to response)
 *   spend     open-model load at --rate req/s for --seconds on "full", sampling pg_stat_activity
 *             for the database every 20 ms: connections open and busy (target ≤ 5 busy)
 *
 * Flags: --rounds 10 --per-round 200 --rate 1000 --seconds 10 --pg postgres://postgres@127.0.0.1:5432/test
 *        --redis-host 127.0.0.1 --redis-port 6379 --json FILE
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { Client } from "undici";
import { median, percentile } from "./measure.ts";
import { cpuSeconds, startBareProxy, startMock, startPharos } from "./processes.ts";
import type { Target } from "./processes.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    "per-round": { type: "string", default: "200" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    "redis-host": { type: "string", default: "127.0.0.1" },
    "redis-port": { type: "string", default: "6379" },
    json: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const perRound = Number(values["per-round"]);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const MASTER = "sk-bench-master";

interface Sample {
  readonly clientMs: number;
  readonly serverMs: number;
  readonly cacheHit: boolean;
}

interface Stats {
  readonly clientP50: number;
  readonly clientP99: number;
  readonly serverP50: number;
  readonly hitRatio: number;
}

/** N sequential requests on one keep-alive connection; `body(i)` may vary the prompt. */
async function sequential(target: Target, key: string, body: (i: number) => string, count: number): Promise<Sample[]> {
  const client = new Client(target.url, { pipelining: 1 });
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      const response = await client.request({
        path: "/v1/chat/completions",
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: body(i),
      });
      await response.body.text();
      const clientMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (response.statusCode !== 200) throw new Error(`${target.name} answered ${response.statusCode}`);
      const server = response.headers["x-litellm-response-duration-ms"];
      samples.push({ clientMs, serverMs: typeof server === "string" ? Number(server) : Number.NaN, cacheHit: response.headers["x-litellm-cache-key"] !== undefined });
    }
  } finally {
    await client.close();
  }
  return samples;
}

interface Run {
  readonly target: Target;
  readonly key: string;
  readonly body: (i: number) => string;
}

/** Interleaved rounds (every round measures every run once, in rotating order); median of round medians. */
async function interleaved(runs: readonly Run[]): Promise<Map<string, Stats>> {
  const all = new Map<string, Sample[]>(runs.map((run) => [run.target.name, []]));
  const roundMedians = new Map<string, { client: number[]; server: number[] }>(runs.map((run) => [run.target.name, { client: [], server: [] }]));
  for (const run of runs) await sequential(run.target, run.key, run.body, 100); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < runs.length; i++) {
      const run = runs[(round + i) % runs.length]!;
      const samples = await sequential(run.target, run.key, run.body, perRound);
      all.get(run.target.name)!.push(...samples);
      roundMedians.get(run.target.name)!.client.push(median(samples.map((sample) => sample.clientMs)));
      roundMedians.get(run.target.name)!.server.push(median(samples.map((sample) => sample.serverMs).filter(Number.isFinite)));
    }
  }
  const results = new Map<string, Stats>();
  for (const run of runs) {
    const samples = all.get(run.target.name)!;
    const sorted = samples.map((sample) => sample.clientMs).sort((a, b) => a - b);
    const medians = roundMedians.get(run.target.name)!;
    results.set(run.target.name, {
      clientP50: median(medians.client),
      clientP99: percentile(sorted, 99),
      serverP50: median(medians.server.filter(Number.isFinite)),
      hitRatio: samples.filter((sample) => sample.cacheHit).length / samples.length,
    });
  }
  return results;
}

function config(upstream: string, extra: string): string {
  return `model_list:
  - model_name: bench
    litellm_params:
      model: openai/bench
      api_base: ${upstream}/v1
      api_key: fake-key
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
general_settings:
  master_key: ${MASTER}
${extra}`;
}

let counter = 0;
const uniqueBody = (): string => JSON.stringify({ model: "bench", messages: [{ role: "user", content: `bench prompt ${++counter} ${process.pid}` }] });
const sameBody = JSON.stringify({ model: "bench", messages: [{ role: "user", content: "the same prompt every time" }] });

async function generateKey(target: Target): Promise<string> {
  const response = await fetch(`${target.url}/key/generate`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
    body: JSON.stringify({ max_budget: 1e9, rpm_limit: 100_000_000, tpm_limit: 2_000_000_000 }),
  });
  if (response.status !== 200) throw new Error(`key/generate answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

async function waitReady(target: Target): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const body = (await (await fetch(`${target.url}/health/readiness`)).json()) as { db?: string };
    if (body.db === "connected") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${target.name}: the database did not connect`);
}

interface ConnectionSamples {
  readonly samples: number;
  readonly maxBusy: number;
  readonly maxOpen: number;
  readonly meanBusy: number;
}

/** Samples pg_stat_activity for `database` (excluding the sampler) until `stop` resolves. */
async function sampleConnections(adminUrl: string, database: string, stop: Promise<unknown>): Promise<ConnectionSamples> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let done = false;
  void stop.finally(() => (done = true));
  let samples = 0;
  let maxBusy = 0;
  let maxOpen = 0;
  let busySum = 0;
  try {
    while (!done) {
      const { rows } = await client.query<{ open: number; busy: number }>(
        "SELECT count(*)::int AS open, count(*) FILTER (WHERE state <> 'idle')::int AS busy FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [database],
      );
      const row = rows[0]!;
      samples += 1;
      busySum += row.busy;
      maxBusy = Math.max(maxBusy, row.busy);
      maxOpen = Math.max(maxOpen, row.open);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.end();
  }
  return { samples, maxBusy, maxOpen, meanBusy: samples === 0 ? 0 : busySum / samples };
}

/** p50 of a sequential ioredis GET from this process: the floor of a Redis hop on this machine. */
async function redisRoundTrip(): Promise<number> {
  const { Redis } = await import("ioredis");
  const client = new Redis({ host: values["redis-host"], port: Number(values["redis-port"]) });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < 2000; i++) {
      const started = process.hrtime.bigint();
      await client.get("pharos-bench-rtt-probe");
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    client.disconnect();
  }
  return median(latencies);
}

const fmt = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

async function main(): Promise<void> {
  const adminUrl = values.pg!;
  const dbName = `pharos_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const prefix = `pharos-bench-${randomBytes(4).toString("hex")}:`;
  const redis = `litellm_settings:\n  cache: true\n  cache_params:\n    type: redis\n    host: ${values["redis-host"]}\n    port: ${values["redis-port"]}\n    ttl: 600\n`;
  const started: Target[] = [];
  const lines: string[] = [];
  const say = (line = ""): void => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    const mock = await startMock();
    started.push(mock);
    const bare = await startBareProxy(mock.url);
    started.push(bare);
    const core = await startPharos("pharos core (master key, no db)", config(mock.url, ""), { PHAROS_DATA_DIR: "off" });
    started.push(core);
    const full = await startPharos("pharos full (virtual key, limits, spend, Redis cache)", config(mock.url, `  database_url: ${dbUrl.toString()}\n  proxy_batch_write_at: 1\n${redis}`), { PHAROS_REDIS_KEY_PREFIX: prefix });
    started.push(full);
    const fullMemory = await startPharos(
      "pharos full, memory cache (limits through Redis)",
      config(mock.url, `  database_url: ${dbUrl.toString()}\n  proxy_batch_write_at: 1\nlitellm_settings:\n  cache: true\n`),
      { PHAROS_REDIS_KEY_PREFIX: prefix, REDIS_HOST: values["redis-host"]!, REDIS_PORT: values["redis-port"]! },
    );
    started.push(fullMemory);
    const memoryHit = await startPharos("pharos memory cache", config(mock.url, `litellm_settings:\n  cache: true\n`), { PHAROS_DATA_DIR: "off" });
    started.push(memoryHit);
    const redisHit = await startPharos("pharos Redis cache", config(mock.url, redis), { PHAROS_DATA_DIR: "off", PHAROS_REDIS_KEY_PREFIX: prefix });
    started.push(redisHit);
    await waitReady(full);
    await waitReady(fullMemory);
    const key = await generateKey(full);
    const memoryKey = await generateKey(fullMemory);

    say(`Issue 5 benchmark — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`);
    say(`mock upstream latency 0 ms; LITELLM_LOG=ERROR; ${rounds} interleaved rounds × ${perRound} sequential requests; PostgreSQL ${adminUrl.replace(/\/\/[^@]*@/, "//")}, Redis ${values["redis-host"]}:${values["redis-port"]}`);
    say();

    const misses = await interleaved([
      { target: mock, key: MASTER, body: uniqueBody },
      { target: bare, key: MASTER, body: uniqueBody },
      { target: core, key: MASTER, body: uniqueBody },
      { target: full, key, body: uniqueBody },
      { target: fullMemory, key: memoryKey, body: uniqueBody },
    ]);
    const direct = misses.get(mock.name)!;
    say("Cache miss (a new prompt every request), client-observed latency:");
    say(`  ${"target".padEnd(58)} p50 ms   p99 ms   overhead p50 (vs direct)`);
    for (const [name, stats] of misses) say(`  ${name.padEnd(58)} ${fmt(stats.clientP50).padStart(6)}   ${fmt(stats.clientP99).padStart(6)}   ${fmt(stats.clientP50 - direct.clientP50)}`);
    const extra = misses.get(full.name)!.clientP50 - misses.get(core.name)!.clientP50;
    const overFloor = misses.get(full.name)!.clientP50 - misses.get(bare.name)!.clientP50;
    say(`  keys + spend + Redis cache (miss) add ${fmt(extra)} ms at p50 over Pharos core (target ≤ 0.150); ${fmt(overFloor)} ms over the bare Node proxy`);
    const extraMemory = misses.get(fullMemory.name)!.clientP50 - misses.get(core.name)!.clientP50;
    say(`  keys + spend + memory cache (miss) add ${fmt(extraMemory)} ms at p50 over Pharos core`);
    say(`  for scale, one Redis GET from this (hot) process: p50 ${fmt(await redisRoundTrip())} ms`);
    say(`  cache hits during the miss run: ${fmt(misses.get(full.name)!.hitRatio * 100, 1)} % (expected 0)`);
    say();

    const hits = await interleaved([
      { target: mock, key: MASTER, body: () => sameBody },
      { target: memoryHit, key: MASTER, body: () => sameBody },
      { target: redisHit, key: MASTER, body: () => sameBody },
      { target: full, key, body: () => sameBody },
    ]);
    say("Cache hit (the same prompt again and again):");
    say(`  ${"target".padEnd(58)} client p50  client p99  Pharos p50 (x-litellm-response-duration-ms)  hits`);
    for (const [name, stats] of hits) {
      say(`  ${name.padEnd(58)} ${fmt(stats.clientP50).padStart(9)}  ${fmt(stats.clientP99).padStart(10)}  ${fmt(stats.serverP50).padStart(9)}${" ".repeat(35)}${fmt(stats.hitRatio * 100, 1)} %`);
    }
    say(`  targets: memory ≤ 0.3 ms, Redis ≤ 1 ms at p50 (Pharos-measured, arrival → response)`);
    say();

    // Spend logging at a fixed rate: how many database connections does it keep busy?
    const cpuBefore = cpuSeconds(full.pid);
    let finish: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => (finish = resolve));
    const sampler = sampleConnections(adminUrl, dbName, stopped);
    const loadResult = await autocannon({
      url: `${full.url}/v1/chat/completions`,
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: sameBody,
      connections: 20,
      overallRate: rate,
      duration: seconds,
    });
    await new Promise((resolve) => setTimeout(resolve, 2500)); // the last batches
    finish!();
    const connections = await sampler;
    const cpu = cpuSeconds(full.pid) - cpuBefore;
    const check = new pg.Client({ connectionString: dbUrl.toString() });
    await check.connect();
    const { rows } = await check.query<{ n: number }>("SELECT count(*)::int AS n FROM pharos_spend_logs");
    await check.end();
    say(`Spend logging at ${rate} req/s for ${seconds} s on "full" (proxy_batch_write_at: 1, database_connection_pool_limit: 10):`);
    say(`  achieved ${fmt(loadResult.requests.average, 0)} req/s, ${loadResult.requests.total} requests, non-2xx ${loadResult.non2xx}, errors ${loadResult.errors}, p99 ${loadResult.latency.p99} ms, CPU ${fmt((cpu * 1000) / Math.max(1, loadResult.requests.total))} ms/request`);
    say(`  spend rows in the database: ${rows[0]!.n} (all requests of the run, including the sequential ones above)`);
    say(`  PostgreSQL connections of the gateway (pg_stat_activity, ${connections.samples} samples every 20 ms): open max ${connections.maxOpen}, busy max ${connections.maxBusy}, busy mean ${fmt(connections.meanBusy, 2)} (target busy ≤ 5)`);
    if (values.json !== undefined) {
      writeFileSync(values.json, JSON.stringify({ misses: Object.fromEntries(misses), hits: Object.fromEntries(hits), extraMissMs: extra, extraMissMemoryMs: extraMemory, spend: { load: { rps: loadResult.requests.average, total: loadResult.requests.total, non2xx: loadResult.non2xx }, connections, rows: rows[0]!.n } }, null, 2));
    }
  } finally {
    for (const target of started.reverse()) await target.stop().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const { Redis } = await import("ioredis");
    const client = new Redis({ host: values["redis-host"], port: Number(values["redis-port"]) });
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
    client.disconnect();
  }
}

await main();
