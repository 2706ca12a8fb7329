/**
 * A compare slice on autocannon: a fixed number of connections, each sending the scenario's
 * requests back to back for the slice (no think time, no rate: autocannon's `overallRate`
 * coordinated-omission correction is broken, so it is not used). Latency comes from the
 * per-response `response` event (fractional ms) into our own HDR histogram; 4xx/5xx (which
 * autocannon counts as non2xx, not errors) and request errors both count as failures.
 */
import autocannon from "autocannon";
import { headerNumber, OVERHEAD_HEADER } from "../load/run-recorder.ts";
import type { Random } from "../scenario/random.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { pickWeighted } from "../scenario/weighted.ts";
import { LatencyHistogram } from "../stats/latency-histogram.ts";
import type { SliceMeasure } from "./slice-measure.ts";
import { sliceMeasure } from "./slice-measure.ts";
import { weightedTasks } from "./weighted-tasks.ts";

type AutocannonMethod = NonNullable<autocannon.Request["method"]>;

function lowerCaseKeys(headers: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (typeof value === "string") out[name.toLowerCase()] = value;
  return out;
}

export async function autocannonSlice(target: string, scenario: Scenario, connections: number, durationS: number, random: Random): Promise<SliceMeasure> {
  const tasks = weightedTasks(scenario);
  const url = new URL(target);
  const prefix = url.pathname.replace(/\/+$/, "");
  const latency = new LatencyHistogram();
  const overhead = new LatencyHistogram();
  let failures = 0;
  let errors = 0;
  let sequence = 0;
  const request: autocannon.Request = {
    setupRequest: (base) => {
      const { task } = pickWeighted(tasks, random);
      const body = task.body?.render({ random, user: 0, sequence: ++sequence });
      return { ...base, method: task.method as AutocannonMethod, path: `${prefix}${task.path}`, headers: { ...task.headers }, ...(body === undefined ? {} : { body: body.text }) };
    },
    onResponse: (_status, _body, _context, headers) => {
      const value = headerNumber(lowerCaseKeys(headers), OVERHEAD_HEADER);
      if (value !== undefined) overhead.record(value);
    },
  };
  const startedAt = performance.now();
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon({ url: url.origin, connections, duration: durationS, requests: [request] }, (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      latency.record(responseTime);
      if (statusCode >= 400) failures += 1;
    });
    instance.on("reqError", () => {
      errors += 1;
    });
  });
  return sliceMeasure(latency, overhead, latency.count + errors, failures + errors, (performance.now() - startedAt) / 1000);
}
