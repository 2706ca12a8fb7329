/**
 * What telemetry costs in CPU per request, measured so that a busy shared machine cannot bias
 * it: three gateways built in ONE process (metrics off, metrics on, metrics + traces at 10 %),
 * driven by the same client, in alternating batches; each batch's process CPU time divided by
 * its requests. Whatever the neighbours do hits all three variants alike, and the per-variant
 * median over many batches drops the disturbed ones. The client's own CPU is the same in every
 * variant, so the DIFFERENCES are telemetry's cost on the gateway side (the absolute values
 * include the client). The mock upstream runs as its own process.
 *
 *   npm run build && node dist/gateway/bench/telemetry-cpu.js [--batches 15 --per-batch 2000 --connections 32]
 */
import { parseArgs } from "node:util";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, RandomIdGenerator } from "@opentelemetry/sdk-trace";
import { pino } from "pino";
import { Pool } from "undici";
import { parseConfigText } from "../src/config/load.ts";
import { createGateway } from "../src/gateway.ts";
import type { Gateway } from "../src/gateway.ts";
import { listen } from "../src/server.ts";
import type { RunningServer } from "../src/server.ts";
import { metricsOnlyTelemetry } from "../src/telemetry/gateway-telemetry.ts";
import type { GatewayTelemetry } from "../src/telemetry/gateway-telemetry.ts";
import { metrics } from "../src/telemetry/metrics.ts";
import { RequestTracer } from "../src/telemetry/tracing.ts";
import type { SpanSink } from "../src/telemetry/tracing.ts";
import { quantile } from "./measure.ts";
import { startOtlpSink } from "./otlp-sink.ts";
import { startMock } from "./processes.ts";

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "15" },
    "per-batch": { type: "string", default: "2000" },
    connections: { type: "string", default: "32" },
  },
});
const batches = Number(values.batches);
const perBatch = Number(values["per-batch"]);
const connections = Number(values.connections);

const body = JSON.stringify({ model: "fake-openai-endpoint", messages: [{ role: "user", content: "test" }] });

function configText(upstream: string, metricsOn: boolean): string {
  return `model_list:
  - model_name: fake-openai-endpoint
    litellm_params: { model: openai/fake, api_base: "${upstream}/v1", api_key: fake-key }
general_settings: { enable_metrics: ${metricsOn} }
`;
}

interface Variant {
  readonly name: string;
  readonly gateway: Gateway;
  readonly server: RunningServer;
  readonly pool: Pool;
  readonly cpuUs: number[];
  /** Work the variant leaves behind (span exports), run inside its own measured window. */
  readonly flush: () => Promise<void>;
}

async function batch(pool: Pool, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
      await response.body.text();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

async function main(): Promise<void> {
  const env = { ...process.env, PHAROS_DATA_DIR: "off" };
  const logger = pino({ level: "error" });
  const mock = await startMock();
  const sink = await startOtlpSink();
  // Exports are flushed at the end of each traced batch, so their CPU is charged to that batch.
  const processor = new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${sink.url}/v1/traces` }), scheduledDelayMillis: 60_000, maxQueueSize: 8192 });
  const spans: SpanSink = {
    processor,
    origin: { resource: resourceFromAttributes({ "service.name": "pharos" }), scope: { name: "pharos" } },
    ids: new RandomIdGenerator(),
    sampler: undefined,
    ratio: 0.1,
    limits: {},
  };
  const plain = metricsOnlyTelemetry(metrics);
  const traced: GatewayTelemetry = { ...plain, tracer: new RequestTracer(spans) };
  const variants: Variant[] = [];
  try {
    for (const [name, metricsOn, telemetry] of [["off", false, plain], ["metrics", true, plain], ["traces 10%", true, traced]] as const) {
      const gateway = createGateway(parseConfigText(configText(mock.url, metricsOn), "bench", env), { logger, env, telemetry });
      await gateway.ready;
      const server = await listen(gateway.app, "127.0.0.1", 0);
      const flush = telemetry === traced ? () => processor.forceFlush() : async () => undefined;
      variants.push({ name, gateway, server, pool: new Pool(`http://127.0.0.1:${server.port}`, { connections }), cpuUs: [], flush });
    }
    for (const variant of variants) {
      await batch(variant.pool, perBatch); // warm-up
      await variant.flush();
    }
    for (let round = 0; round < batches; round++) {
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(round + i) % variants.length]!;
        const before = process.cpuUsage();
        await batch(variant.pool, perBatch);
        await variant.flush();
        const used = process.cpuUsage(before);
        variant.cpuUs.push((used.user + used.system) / perBatch);
      }
    }
    // Neighbours only ever ADD CPU time to a batch (cache misses, frequency, preemption), so the
    // lower quartile is the steadiest estimate; the median is shown too.
    const baseQ1 = quantile(variants[0]!.cpuUs, 0.25);
    const baseMedian = quantile(variants[0]!.cpuUs, 0.5);
    process.stdout.write(`Telemetry CPU per request, in-process A/B — ${new Date().toISOString()}, Node ${process.version}\n`);
    process.stdout.write(`${batches} alternated batches × ${perBatch} requests, ${connections} connections; µs of CPU per request (gateway + client)\n`);
    process.stdout.write(`${"variant".padEnd(12)}${"lower quartile".padEnd(30)}${"median".padEnd(30)}min–max\n`);
    for (const variant of variants) {
      const q1 = quantile(variant.cpuUs, 0.25);
      const median = quantile(variant.cpuUs, 0.5);
      const first = variant === variants[0];
      const q1Cell = `${q1.toFixed(2)}${first ? "" : ` (+${(q1 - baseQ1).toFixed(2)}, ${((100 * (q1 - baseQ1)) / baseQ1).toFixed(1)} %)`}`;
      const medianCell = `${median.toFixed(2)}${first ? "" : ` (+${(median - baseMedian).toFixed(2)}, ${((100 * (median - baseMedian)) / baseMedian).toFixed(1)} %)`}`;
      process.stdout.write(`${variant.name.padEnd(12)}${q1Cell.padEnd(30)}${medianCell.padEnd(30)}${Math.min(...variant.cpuUs).toFixed(1)}–${Math.max(...variant.cpuUs).toFixed(1)}\n`);
    }
  } finally {
    for (const variant of variants) {
      await variant.pool.close();
      await variant.server.drain(100);
      await variant.gateway.close();
    }
    await processor.shutdown();
    await sink.close();
    await mock.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`telemetry CPU bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
