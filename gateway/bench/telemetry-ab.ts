/**
 * What telemetry costs, A/B in one run: the same Pharos config started three times against one
 * mock upstream, measured alternately.
 *
 *   off          general_settings.enable_metrics: false (no request metrics, no runtime metrics)
 *   metrics      the default: every metric of the catalogue, /metrics served
 *   traces 10%   metrics + OTLP traces to a local sink, OTEL_TRACES_SAMPLER_ARG=0.1
 *
 * Sequential: interleaved rounds on one keep-alive connection (median of round medians); what
 * telemetry adds per request is the median over rounds of each round's difference to "off".
 * Load: short autocannon runs alternated off → metrics → traces (rotating order), many times;
 * req/s and CPU ms per request (the Pharos process, from /proc) are the MEDIANS over the runs,
 * which a busy shared machine disturbs far less than means, and each variant's change is the
 * median of its per-run ratios to "off". All at LITELLM_LOG=ERROR (no per-request log line).
 *
 *   npm run build && node dist/gateway/bench/telemetry-ab.js [--rounds 10 --per-round 200
 *     --connections 50 --seconds 2 --repeat 9 --json FILE]
 */
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { interleaved, interleavedLoad, quantile } from "./measure.ts";
import { startOtlpSink } from "./otlp-sink.ts";
import type { LoadResult, RequestSpec } from "./measure.ts";
import { PRODUCTION_NODE_OPTIONS, startMock, startPharos } from "./processes.ts";
import type { Target } from "./processes.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    "per-round": { type: "string", default: "200" },
    connections: { type: "string", default: "50" },
    seconds: { type: "string", default: "2" },
    repeat: { type: "string", default: "9" },
    json: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const perRound = Number(values["per-round"]);
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);

const body = JSON.stringify({ model: "fake-openai-endpoint", messages: [{ role: "user", content: "test" }] });
const chat: RequestSpec = { path: "/v1/chat/completions", body, headers: { "content-type": "application/json", authorization: "Bearer sk-bench" } };

function config(upstream: string, metrics: boolean): string {
  return `model_list:
  - model_name: fake-openai-endpoint
    litellm_params:
      model: openai/fake
      api_base: ${upstream}/v1
      api_key: fake-key
general_settings:
  master_key: sk-bench
  enable_metrics: ${metrics}
`;
}

const fmt = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const pad = (text: string, width: number): string => text.padEnd(width);
const median = (values: readonly number[]): number => quantile(values, 0.5);

async function main(): Promise<void> {
  const sink = await startOtlpSink();
  const mock = await startMock();
  const started: Target[] = [mock];
  try {
    // Run as `npm start` and the Docker image run it.
    const node = { NODE_OPTIONS: PRODUCTION_NODE_OPTIONS };
    const off = await startPharos("off", config(mock.url, false), node);
    started.push(off);
    const metrics = await startPharos("metrics", config(mock.url, true), node);
    started.push(metrics);
    const traces = await startPharos("traces 10%", config(mock.url, true), {
      ...node,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER_ARG: "0.1",
      OTEL_BSP_SCHEDULE_DELAY: "1000",
    });
    started.push(traces);
    const targets = [off, metrics, traces];

    const lines: string[] = [];
    const say = (line = ""): void => {
      lines.push(line);
      process.stdout.write(`${line}\n`);
    };
    say(`Telemetry A/B — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}; mock upstream latency 0 ms; LITELLM_LOG=ERROR, NODE_OPTIONS="${PRODUCTION_NODE_OPTIONS}"`);
    say();

    const sequential = await interleaved(targets, chat, rounds, perRound);
    const base = sequential.get(off.name)!;
    say(`Sequential: ${rounds} interleaved rounds × ${perRound} requests on one keep-alive connection (ms)`);
    // Added p50: the median over rounds of (variant − off) in the same round, measured minutes apart
    // at most, which cancels most of the drift a shared machine adds between rounds.
    say(`${pad("variant", 14)}${pad("p50", 9)}${pad("p99", 9)}added p50 (paired by round)`);
    for (const target of targets) {
      const result = sequential.get(target.name)!;
      say(`${pad(target.name, 14)}${pad(fmt(result.p50), 9)}${pad(fmt(result.p99), 9)}${target === off ? "" : fmt(median(result.roundMedians.map((value, round) => value - base.roundMedians[round]!)))}`);
    }
    say();

    const loads = await interleavedLoad(targets, chat, repeat, connections, seconds);
    const baseLoads = loads.get(off.name)!;
    /** The median over runs of (variant / off − 1) within the same run, in %: each run's three variants ran back to back. */
    const pairedChange = (results: readonly LoadResult[], of: (result: LoadResult) => number): string =>
      `${fmt(100 * median(results.map((result, run) => of(result) / of(baseLoads[run]!) - 1)), 1)} %`;
    say(`Load: autocannon ${connections} connections × ${seconds} s, ${repeat} alternated runs per variant (medians; min–max in brackets; "vs off" paired by run)`);
    say(`${pad("variant", 14)}${pad("req/s", 22)}${pad("vs off", 10)}${pad("CPU ms/req", 24)}${pad("vs off", 10)}${pad("p99 ms", 8)}errors`);
    for (const target of targets) {
      const results = loads.get(target.name)!;
      const rpsList = results.map((result) => result.requestsPerSecond);
      const cpuList = results.map((result) => result.cpuMsPerRequest);
      const rps = median(rpsList);
      const cpu = median(cpuList);
      const rpsCell = `${fmt(rps, 0)} [${fmt(Math.min(...rpsList), 0)}–${fmt(Math.max(...rpsList), 0)}]`;
      const cpuCell = `${fmt(cpu)} [${fmt(Math.min(...cpuList))}–${fmt(Math.max(...cpuList))}]`;
      const rpsChange = target === off ? "" : pairedChange(results, (result) => result.requestsPerSecond);
      const cpuChange = target === off ? "" : pairedChange(results, (result) => result.cpuMsPerRequest);
      const errors = results.reduce((sum, result) => sum + result.errors + result.non2xx, 0);
      say(`${pad(target.name, 14)}${pad(rpsCell, 22)}${pad(rpsChange, 10)}${pad(cpuCell, 24)}${pad(cpuChange, 10)}${pad(fmt(median(results.map((result) => result.latencyP99)), 0), 8)}${errors}`);
    }
    say();
    say(`trace exports received by the sink: ${sink.exports()}`);

    if (values.json !== undefined) {
      writeFileSync(
        values.json,
        JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, settings: { rounds, perRound, connections, seconds, repeat }, sequential: Object.fromEntries(sequential), load: Object.fromEntries(loads), report: lines }, null, 2),
      );
    }
  } finally {
    await Promise.all(started.map((target) => target.stop()));
    await sink.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`telemetry A/B failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
