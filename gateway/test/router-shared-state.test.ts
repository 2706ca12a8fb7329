/**
 * Router state shared through the real Redis: two `pharos serve` instances act as one (a
 * deployment cooled by one is skipped by the other within a second; an rpm limit holds across
 * both), and a gateway whose Redis dies keeps serving on local state, logs it once, and shares
 * again once Redis is back (that Redis is our own redis-server, killed by PID).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { freePort } from "../../tests/support/ports.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { NO_DB, awayFromMinuteEdge, chat, chatHits, deployment } from "./router-support.ts";

const PREFIX = `pharos-test-${randomBytes(4).toString("hex")}:`;
const ENV = { PHAROS_REDIS_KEY_PREFIX: PREFIX, PHAROS_ROUTER_SYNC_MS: "50" };
const redisServers: ChildProcess[] = [];

async function deleteKeys(port: number): Promise<void> {
  const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"], { stdio: "ignore" });
  redisServers.push(child);
  await waitFor(async () => {
    const probe = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === "PONG";
    } finally {
      probe.disconnect();
    }
  }, { what: `redis-server on ${port}` });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  for (const child of redisServers) await stopRedis(child);
  await deleteKeys(6379);
  removeTempDirs();
});

describe("two instances sharing the machine's Redis", () => {
  let first: GatewayProcess;
  let second: GatewayProcess;
  let firstPolling: GatewayProcess;
  let secondPolling: GatewayProcess;
  let x: MockUpstream;
  let y: MockUpstream;
  let limited: MockUpstream;
  let capped: MockUpstream;
  let open: MockUpstream;

  beforeAll(async () => {
    x = await startMock();
    y = await startMock();
    limited = await startMock();
    capped = await startMock();
    open = await startMock();
    const config = {
      model_list: [
        deployment("shared", "x", x),
        deployment("shared", "y", y),
        deployment("limited", "lim", limited, { rpm: 4 }),
        deployment("spill", "capped", capped, { rpm: 3 }),
        deployment("spill", "open", open),
      ],
      router_settings: { routing_strategy: "round_robin", num_retries: 0, allowed_fails: 0, cooldown_time: 30, redis_host: "127.0.0.1", redis_port: 6379 },
    };
    // A cooldown must reach the other instance at once (pub/sub), not on the next poll: this
    // pair polls once a minute. The other pair polls at the default interval (200 ms): an rpm
    // limit must hold whatever the poll, because requests near the limit are reserved in Redis.
    const slowPoll = { ...ENV, PHAROS_ROUTER_SYNC_MS: "60000" };
    const defaultPoll = { PHAROS_REDIS_KEY_PREFIX: PREFIX };
    [first, second, firstPolling, secondPolling] = await Promise.all([
      startGateway({ config, env: { ...NO_DB, ...slowPoll } }),
      startGateway({ config, env: { ...NO_DB, ...slowPoll } }),
      startGateway({ config, env: { ...NO_DB, ...defaultPoll } }),
      startGateway({ config, env: { ...NO_DB, ...defaultPoll } }),
    ]);
  });

  beforeEach(() => {
    for (const mock of [x, y, limited, capped, open]) {
      mock.faults.clear();
      mock.resetStats();
    }
  });

  it("a deployment cooled by one instance gets nothing from the other at once (well within a second)", async () => {
    // Before: the second instance sends to both.
    for (let i = 0; i < 4; i++) expect((await chat(second.url, "shared")).status).toBe(200);
    expect(chatHits(x)).toBe(2);
    x.faults.setDefault({ status: 500, message: "x is broken" });
    // The first instance meets the failure (allowed_fails 0: one failure cools x).
    let failed = false;
    for (let i = 0; i < 2 && !failed; i++) failed = (await chat(first.url, "shared")).status === 500;
    expect(failed).toBe(true);
    x.resetStats();
    // The second instance has never seen x fail; it must skip x from now on.
    const statuses: number[] = [];
    await sleep(100);
    for (let i = 0; i < 10; i++) statuses.push((await chat(second.url, "shared")).status);
    expect(statuses).toEqual(Array(10).fill(200));
    expect(chatHits(x)).toBe(0);
    expect(chatHits(y)).toBeGreaterThanOrEqual(10);
  });

  it("an rpm limit holds across instances under unpaced concurrent bursts from both", async () => {
    await awayFromMinuteEdge(8);
    // 6 + 6 requests at once, half through each instance (default 200 ms poll): exactly rpm reach the mock.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(i % 2 === 0 ? firstPolling.url : secondPolling.url, "limited")));
    const statuses = answers.map((answer) => answer.status);
    expect(chatHits(limited)).toBe(4);
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(8);
    for (const answer of refused) expect((answer.body as { error: { message: string } }).error.message).toContain(`lim (${limited.url}/v1) reached its rpm limit (4) for this minute`);
  });

  it("a capped deployment's burst overflow goes to the group's other deployment", async () => {
    await awayFromMinuteEdge(8);
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => chat(i % 2 === 0 ? firstPolling.url : secondPolling.url, "spill")));
    expect(answers.map((answer) => answer.status)).toEqual(Array(16).fill(200));
    expect(chatHits(capped)).toBe(3);
    expect(chatHits(open)).toBe(13);
    expect(answers.filter((answer) => answer.headers.get("x-litellm-model-id") === "capped")).toHaveLength(3);
  });
});

describe("a Redis that goes away and comes back", () => {
  it("keeps serving on local state, logs the outage once, and shares again once Redis returns", async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const p = await startMock();
    const q = await startMock();
    const config = {
      model_list: [deployment("g", "p", p), deployment("g", "q", q)],
      router_settings: { routing_strategy: "round_robin", num_retries: 0, allowed_fails: 0, cooldown_time: 30, redis_host: "127.0.0.1", redis_port: port },
    };
    const gateway = await startGateway({ config, env: { ...NO_DB, ...ENV } });
    for (let i = 0; i < 4; i++) expect((await chat(gateway.url, "g")).status).toBe(200);
    await stopRedis(redis);
    // Redis is gone: the gateway answers as before, from local state.
    for (let i = 0; i < 20; i++) expect((await chat(gateway.url, "g")).status).toBe(200);
    await waitFor(() => gateway.output().includes("is unreachable"), { what: "the outage log line", timeoutMs: 5000 });
    await sleep(1500);
    // Once per connection pool (other features may keep their own pool to the same Redis).
    const outageLines = gateway.output().split("\n").filter((line) => line.includes("is unreachable") && line.includes('"redis":"router-state"'));
    expect(outageLines, outageLines.join("\n")).toHaveLength(1);
    // Redis returns (empty, on the same port): sharing resumes without a restart.
    redis = await startRedis(port);
    await waitFor(() => gateway.output().includes("is back"), { what: "the recovery log line", timeoutMs: 10_000 });
    const other = await startGateway({ config, env: { ...NO_DB, ...ENV } });
    p.faults.setDefault({ status: 500 });
    let failed = false;
    for (let i = 0; i < 2 && !failed; i++) failed = (await chat(gateway.url, "g")).status === 500;
    expect(failed).toBe(true);
    await sleep(300);
    p.resetStats();
    for (let i = 0; i < 6; i++) expect((await chat(other.url, "g")).status).toBe(200);
    expect(chatHits(p)).toBe(0);
    await other.stop();
    await gateway.stop();
    await deleteKeys(port);
    await stopRedis(redis);
  });
});
