/**
 * Measurements: sequential latency with sub-millisecond timing (interleaved rounds, median of
 * round medians), throughput under concurrency (autocannon), CPU per request, and time to first
 * byte of a stream.
 */
import autocannon from "autocannon";
import { Client } from "undici";
import { cpuSeconds } from "./processes.ts";
import type { Target } from "./processes.ts";

export interface RequestSpec {
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** The q-quantile (0..1) by linear interpolation between the nearest values (the median of an even count is the mean of the middle two). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** N sequential requests on one keep-alive connection; returns each latency in ms. */
export async function sequential(target: Target, spec: RequestSpec, count: number, untilFirstByte = false): Promise<number[]> {
  const client = new Client(target.url, { pipelining: 1 });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      const response = await client.request({ path: spec.path, method: "POST", headers: spec.headers, body: spec.body });
      if (untilFirstByte) {
        for await (const _chunk of response.body) {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          break;
        }
        await response.body.dump();
      } else {
        await response.body.text();
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      if (response.statusCode !== 200) throw new Error(`${target.name} answered ${response.statusCode}`);
    }
  } finally {
    await client.close();
  }
  return latencies;
}

export interface SequentialResult {
  /** Median of the per-round medians, ms. */
  readonly p50: number;
  /** p99 over every request of every round, ms. */
  readonly p99: number;
  readonly roundMedians: number[];
}

/** Interleaved rounds: every round measures every target once, in rotating order. */
export async function interleaved(targets: readonly Target[], spec: RequestSpec, rounds: number, perRound: number, untilFirstByte = false): Promise<Map<string, SequentialResult>> {
  const all = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const medians = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  for (const target of targets) await sequential(target, spec, 50, untilFirstByte); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(round + i) % targets.length]!;
      const latencies = await sequential(target, spec, perRound, untilFirstByte);
      all.get(target.name)!.push(...latencies);
      medians.get(target.name)!.push(median(latencies));
    }
  }
  const results = new Map<string, SequentialResult>();
  for (const target of targets) {
    const sorted = [...all.get(target.name)!].sort((a, b) => a - b);
    const roundMedians = medians.get(target.name)!;
    results.set(target.name, { p50: median(roundMedians), p99: percentile(sorted, 99), roundMedians });
  }
  return results;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  /** CPU ms the measured process (and the ones it depends on, listed) spent per request. */
  readonly cpuMsPerRequest: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
}

export async function load(target: Target, spec: RequestSpec, connections: number, seconds: number, cpuPids: readonly number[]): Promise<LoadResult> {
  const cpuBefore = cpuPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const result = await autocannon({
    url: `${target.url}${spec.path}`,
    method: "POST",
    headers: spec.headers,
    body: spec.body,
    connections,
    duration: seconds,
  });
  const cpuAfter = cpuPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const requests = result.requests.total;
  return {
    requestsPerSecond: result.requests.average,
    requests,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuMsPerRequest: requests === 0 ? Number.NaN : ((cpuAfter - cpuBefore) * 1000) / requests,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}

/** Throughput runs of every target, in rotating order per round, so drift on a shared machine hits all alike. */
export async function interleavedLoad(targets: readonly Target[], spec: RequestSpec, rounds: number, connections: number, seconds: number): Promise<Map<string, LoadResult[]>> {
  const runs = new Map<string, LoadResult[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(round + i) % targets.length]!;
      runs.get(target.name)!.push(await load(target, spec, connections, seconds, [target.pid]));
    }
  }
  return runs;
}

