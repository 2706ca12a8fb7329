/**
 * Process and runtime metrics, read at scrape time (nothing per request): resident memory,
 * heap, CPU time, event-loop delay and utilisation since the previous scrape, GC pauses (a
 * PerformanceObserver: one callback per GC), active handles by type, open file descriptors.
 */
import { readdirSync } from "node:fs";
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from "node:perf_hooks";
import type { EventLoopUtilization } from "node:perf_hooks";
import type { PharosMetrics } from "./metrics.ts";

const GC_TYPES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

const NS_PER_S = 1e9;
/** Sampling period of the event-loop delay monitor. */
const DELAY_RESOLUTION_MS = 20;

function lateness(intervalNs: number): number {
  return Math.max(0, intervalNs / NS_PER_S - DELAY_RESOLUTION_MS / 1000);
}

function openFileDescriptors(): number | undefined {
  try {
    // The directory handle itself is one of the entries.
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined;
  }
}

/** Starts the runtime collectors; returns a stop function. */
export function startRuntimeMetrics(metrics: PharosMetrics, options: { readonly servesRequests: boolean }): () => void {
  const i = metrics.i;
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();

  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { readonly detail?: { readonly kind?: number } }).detail?.kind;
      i.gcDuration.record(entry.duration / 1000, (kind !== undefined ? GC_TYPES[kind] : undefined) ?? "other");
    }
  });
  gc.observe({ entryTypes: ["gc"] });

  const unregister = metrics.store.addCollector(() => {
    if (options.servesRequests) i.workers.observe(1);
    const memory = process.memoryUsage();
    i.memoryRss.observe(memory.rss);
    i.heapUsed.observe(memory.heapUsed);
    i.heapLimit.observe(memory.heapTotal);
    const cpu = process.cpuUsage();
    i.cpuTime.observe(cpu.user / 1e6, "user");
    i.cpuTime.observe(cpu.system / 1e6, "system");
    if (delay.count > 0) {
      // The monitor records whole sampling intervals: the delay is what exceeds the resolution.
      i.eventLoopDelayP50.observe(lateness(delay.percentile(50)));
      i.eventLoopDelayP99.observe(lateness(delay.percentile(99)));
      i.eventLoopDelayMax.observe(lateness(delay.max));
    }
    delay.reset();
    const elu = performance.eventLoopUtilization();
    i.eventLoopUtilization.observe(performance.eventLoopUtilization(elu, lastElu).utilization);
    lastElu = elu;
    for (const type of process.getActiveResourcesInfo()) i.activeResources.observeAdd(1, type);
    const fds = openFileDescriptors();
    if (fds !== undefined) i.openFds.observe(fds);
  });

  return () => {
    unregister();
    gc.disconnect();
    delay.disable();
  };
}
