/**
 * `--json` / `--json-file`: Locust's `print_stats_json` / `save_stats_json`, i.e.
 * `json.dumps(stats.serialize_stats(), indent=4)`: one object per entry that saw a request or
 * failure (Aggregated excluded), in the order the entries appeared, with the same keys in the
 * same order and Python's number forms. fixtures/locust-golden/golden_stats.json is Locust's own
 * output for the golden events.
 *
 * Which numbers are floats follows Locust's types: its response times are floats (perf_counter
 * milliseconds; header values), timestamps are `time.time()` floats, and `total_response_time`
 * and `max_response_time` start as the int 0 — a sum with one float in it is a float, while
 * `max(0, 0.0)` keeps the int 0, so an entry whose slowest time is 0 ms prints `0`.
 */
import type { RequestStats, StatsEntry } from "../stats/locust-stats.ts";
import { pyDict, pyFloat, pyInt, pyJsonDumps } from "./python-json.ts";
import type { PyDict, PyJson } from "./python-json.ts";

/** `{int: int}` dicts (bucketed response times, per-second counts): string keys, insertion order. */
function counts(map: ReadonlyMap<number, number>): PyDict {
  return pyDict([...map.entries()].map(([key, count]) => [String(key), pyInt(count)]));
}

function floatOrNone(value: number | undefined): PyJson {
  return value === undefined ? null : pyFloat(value);
}

function entryJson(entry: StatsEntry): PyDict {
  return pyDict([
    ["name", entry.name],
    ["method", entry.method],
    ["last_request_timestamp", floatOrNone(entry.lastRequestTimestamp)],
    ["start_time", pyFloat(entry.startTime)],
    ["num_requests", pyInt(entry.numRequests)],
    ["num_none_requests", pyInt(0)],
    ["num_failures", pyInt(entry.numFailures)],
    ["total_response_time", entry.numRequests > 0 ? pyFloat(entry.totalResponseTime) : pyInt(0)],
    ["max_response_time", entry.maxResponseTime > 0 ? pyFloat(entry.maxResponseTime) : pyInt(0)],
    ["min_response_time", floatOrNone(entry.minResponseTime)],
    ["total_content_length", pyInt(entry.totalContentLength)],
    ["response_times", counts(entry.responseTimes)],
    ["num_reqs_per_sec", counts(entry.reqsPerSec)],
    ["num_fail_per_sec", counts(entry.failsPerSec)],
  ]);
}

/** The text `json.dumps` returns (print adds the newline for --json; --json-file has none, as json.dump). */
export function locustJson(stats: RequestStats): string {
  const entries = stats.entriesInOrder().filter((entry) => entry.numRequests > 0 || entry.numFailures > 0);
  return pyJsonDumps(entries.map(entryJson), 4);
}
