/**
 * `npm run bench`: Pharos' overhead, measured side by side in one run against the mock upstream
 * directly and a bare Node pipe proxy (the floor).
 *
 *   sequential   interleaved rounds on one keep-alive connection, sub-millisecond timing,
 *                median of round medians and p99; overhead = target − direct
 *   load         autocannon, N connections, interleaved rounds; median req/s, the median of the
 *                per-round ratios to the floor (with their range), CPU ms per request of the
 *                proxy process (from /proc), p99, resident memory after load
 *   streaming    time to the first byte of an SSE stream, direct vs through Pharos
 *
 *   --router     also Pharos with one group of 10 deployments and Redis router state, routed
 *                least-busy and latency-based (issue 3's scenario; needs Redis on 127.0.0.1:6379)
 *
 * Flags: --rounds 10 --per-round 200 --load-rounds 3 --connections 50 --seconds 5 --json FILE
 *        --node-options="…" --router
 */
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { interleaved, interleavedLoad, median } from "./measure.ts";
import type { LoadResult, RequestSpec, SequentialResult } from "./measure.ts";
import { PRODUCTION_NODE_OPTIONS, rssMb, startBareProxy, startMock, startPharos } from "./processes.ts";
import type { Target } from "./processes.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    "per-round": { type: "string", default: "200" },
    "load-rounds": { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    seconds: { type: "string", default: "5" },
    json: { type: "string" },
    router: { type: "boolean", default: false },
    /** NODE_OPTIONS for the Pharos processes; the default is what `npm start` and the Docker image use. */
    "node-options": { type: "string", default: PRODUCTION_NODE_OPTIONS },
  },
});
const rounds = Number(values.rounds);
const perRound = Number(values["per-round"]);
const loadRounds = Number(values["load-rounds"]);
const connections = Number(values.connections);
const seconds = Number(values.seconds);

const MASTER_KEY = "sk-bench";
const body = JSON.stringify({ model: "fake-openai-endpoint", messages: [{ role: "user", content: "test" }] });
const streamBody = JSON.stringify({ model: "fake-openai-endpoint", stream: true, messages: [{ role: "user", content: "test" }] });
const headers = { "content-type": "application/json", authorization: `Bearer ${MASTER_KEY}` };
const chat: RequestSpec = { path: "/v1/chat/completions", body, headers };
const stream: RequestSpec = { path: "/v1/chat/completions", body: streamBody, headers };

function pharosConfig(upstream: string): string {
  return `model_list:
  - model_name: fake-openai-endpoint
    litellm_params:
      model: openai/fake
      api_base: ${upstream}/v1
      api_key: fake-key
general_settings:
  master_key: ${MASTER_KEY}
`;
}

/** One group of 10 deployments on the same mock, routed by `strategy`, with shared state in Redis. */
function routerConfig(upstream: string, strategy: string): string {
  const deployments = Array.from(
    { length: 10 },
    (_, index) => `  - model_name: fake-openai-endpoint
    litellm_params: { model: openai/fake, api_base: ${upstream}/v1, api_key: fake-key }
    model_info: { id: d${index} }
`,
  ).join("");
  return `model_list:
${deployments}router_settings:
  routing_strategy: ${strategy}
  redis_host: 127.0.0.1
  redis_port: 6379
general_settings:
  master_key: ${MASTER_KEY}
`;
}

interface LoadSummary {
  readonly requestsPerSecond: number;
  /** Req/s as a percentage of the floor's in the same round: median, min, max over the rounds. */
  readonly floorShare: { readonly median: number; readonly min: number; readonly max: number };
  readonly cpuMsPerRequest: number;
  readonly latencyP99: number;
  readonly errors: number;
}

function summarize(runs: readonly LoadResult[], floorRuns: readonly LoadResult[]): LoadSummary {
  const shares = runs.map((run, round) => (100 * run.requestsPerSecond) / floorRuns[round]!.requestsPerSecond);
  return {
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    floorShare: { median: median(shares), min: Math.min(...shares), max: Math.max(...shares) },
    cpuMsPerRequest: median(runs.map((run) => run.cpuMsPerRequest)),
    latencyP99: median(runs.map((run) => run.latencyP99)),
    errors: runs.reduce((sum, run) => sum + run.errors + run.non2xx, 0),
  };
}

const fmt = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const pad = (text: string, width: number): string => text.padEnd(width);

async function main(): Promise<void> {
  const mock = await startMock();
  const streamMock = await startMock({ chunkDelayMs: 2 });
  const started: Target[] = [mock, streamMock];
  try {
    const bare = await startBareProxy(mock.url);
    started.push(bare);
    const pharosEnv: Record<string, string> = values["node-options"] === "" ? {} : { NODE_OPTIONS: values["node-options"] };
    const pharos = await startPharos("pharos", pharosConfig(mock.url), pharosEnv);
    started.push(pharos);
    const pharosStream = await startPharos("pharos (stream)", pharosConfig(streamMock.url), pharosEnv);
    started.push(pharosStream);
    const bareStream = await startBareProxy(streamMock.url, "bare proxy (stream)");
    started.push(bareStream);
    const direct = mock;
    const routed: Target[] = [];
    if (values.router) {
      const redisEnv = { ...pharosEnv, PHAROS_REDIS_KEY_PREFIX: `pharos-bench-${process.pid}:` };
      routed.push(await startPharos("least-busy+redis", routerConfig(mock.url, "least-busy"), redisEnv));
      routed.push(await startPharos("latency+redis", routerConfig(mock.url, "latency-based-routing"), redisEnv));
      started.push(...routed);
    }
    const compared = [direct, bare, pharos, ...routed];

    const lines: string[] = [];
    const say = (line = ""): void => {
      lines.push(line);
      process.stdout.write(`${line}\n`);
    };
    say(`Pharos overhead benchmark — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`);
    say(`mock upstream latency 0 ms; Pharos with a master key, LITELLM_LOG=ERROR, default telemetry${values["node-options"] === "" ? "" : `, NODE_OPTIONS="${values["node-options"]}"`}`);
    say();

    const sequential = await interleaved(compared, chat, rounds, perRound);
    const base = sequential.get(direct.name)!;
    say(`Sequential: ${rounds} interleaved rounds × ${perRound} requests on one keep-alive connection (ms)`);
    say(`${pad("target", 18)}${pad("p50", 10)}${pad("p99", 10)}${pad("overhead p50", 15)}overhead p99`);
    for (const target of compared) {
      const result: SequentialResult = sequential.get(target.name)!;
      const overhead = target === direct ? "" : `${pad(fmt(result.p50 - base.p50), 15)}${fmt(result.p99 - base.p99)}`;
      say(`${pad(target.name, 18)}${pad(fmt(result.p50), 10)}${pad(fmt(result.p99), 10)}${overhead}`);
    }
    say();

    const runs = await interleavedLoad(compared, chat, loadRounds, connections, seconds);
    const rss = new Map<string, number>(compared.map((target) => [target.name, rssMb(target.pid)]));
    const floorRuns = runs.get(bare.name)!;
    const loads = new Map<string, LoadSummary>(compared.map((target) => [target.name, summarize(runs.get(target.name)!, floorRuns)]));
    say(`Load: autocannon, ${connections} connections, ${loadRounds} interleaved rounds × ${seconds} s per target (medians; CPU = the measured process only)`);
    say(`${pad("target", 18)}${pad("req/s", 10)}${pad("% of floor (range)", 22)}${pad("CPU ms/req", 12)}${pad("p99 ms", 9)}${pad("errors", 8)}RSS MB`);
    for (const target of compared) {
      const result = loads.get(target.name)!;
      const share = target === direct || target === bare ? "" : `${fmt(result.floorShare.median, 1)} % (${fmt(result.floorShare.min, 0)}–${fmt(result.floorShare.max, 0)})`;
      say(
        `${pad(target.name, 18)}${pad(fmt(result.requestsPerSecond, 0), 10)}${pad(share, 22)}${pad(fmt(result.cpuMsPerRequest), 12)}${pad(fmt(result.latencyP99, 0), 9)}${pad(String(result.errors), 8)}${fmt(rss.get(target.name)!, 0)}`,
      );
    }
    say();

    const streamTargets = [streamMock, bareStream, pharosStream];
    const ttft = await interleaved(streamTargets, stream, Math.max(3, Math.floor(rounds / 2)), Math.max(50, Math.floor(perRound / 4)), true);
    const directTtft = ttft.get(streamMock.name)!;
    say(`Streaming: time to the first byte of the SSE body (ms)`);
    for (const target of streamTargets) {
      const result = ttft.get(target.name)!;
      const added = target === streamMock ? "" : `  (adds ${fmt(result.p50 - directTtft.p50)} at p50)`;
      say(`${pad(target === streamMock ? "direct" : target === bareStream ? "bare node proxy" : "pharos", 18)}p50 ${fmt(result.p50)}  p99 ${fmt(result.p99)}${added}`);
    }

    if (values.json !== undefined) {
      writeFileSync(
        values.json,
        JSON.stringify(
          {
            date: new Date().toISOString(),
            node: process.version,
            cpus: cpus().length,
            settings: { rounds, perRound, loadRounds, connections, seconds },
            sequential: Object.fromEntries(sequential),
            load: Object.fromEntries(loads),
            loadRuns: Object.fromEntries(runs),
            rssMb: Object.fromEntries(rss),
            streaming: { direct: directTtft, bare: ttft.get(bareStream.name), pharos: ttft.get(pharosStream.name) },
            report: lines,
          },
          null,
          2,
        ),
      );
    }
  } finally {
    await Promise.all(started.map((target) => target.stop()));
    if (values.router) await deleteRedisKeys(`pharos-bench-${process.pid}:`);
  }
}

/** Removes the router state the bench left in Redis. */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
