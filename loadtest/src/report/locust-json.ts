/**
 * `--json` / `--json-file`: Locust's `serialize_stats()` list (one object per entry that saw a
 * request or failure, Aggregated excluded), with the same keys in the same order, indented 4.
 */
import type { RequestStats, StatsEntry } from "../stats/locust-stats.ts";

function counts(map: ReadonlyMap<number, number>): Record<string, number> {
  return Object.fromEntries([...map.entries()].map(([key, count]) => [String(key), count]));
}

function entryJson(entry: StatsEntry): Record<string, unknown> {
  return {
    name: entry.name,
    method: entry.method,
    last_request_timestamp: entry.lastRequestTimestamp ?? null,
    start_time: entry.startTime,
    num_requests: entry.numRequests,
    num_none_requests: 0,
    num_failures: entry.numFailures,
    total_response_time: entry.totalResponseTime,
    max_response_time: entry.maxResponseTime,
    min_response_time: entry.minResponseTime ?? null,
    total_content_length: entry.totalContentLength,
    response_times: counts(entry.responseTimes),
    num_reqs_per_sec: counts(entry.reqsPerSec),
    num_fail_per_sec: counts(entry.failsPerSec),
  };
}

export function locustJson(stats: RequestStats): string {
  const entries = stats.entriesInOrder().filter((entry) => entry.numRequests > 0 || entry.numFailures > 0);
  return JSON.stringify(entries.map(entryJson), null, 4);
}
