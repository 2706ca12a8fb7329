/**
 * Locust's CSV files (`--csv PREFIX`): `_stats.csv`, `_stats_history.csv`, `_failures.csv` and
 * `_exceptions.csv`, byte for byte: the same headers, row order, Aggregated row, "N/A" for
 * entries without requests, Python number forms and "\r\n" line ends.
 */
import type { ExceptionRecord } from "../stats/exception-log.ts";
import { LOCUST_PERCENTILES, readablePercentile } from "../stats/locust-math.ts";
import type { RequestStats, StatsEntry } from "../stats/locust-stats.ts";
import { csvRow, formatUtcTimestamp, pyFloatRepr } from "./python-format.ts";

const PERCENTILE_COLUMNS = LOCUST_PERCENTILES.map(readablePercentile);

export const STATS_HEADER: readonly string[] = [
  "Type",
  "Name",
  "Request Count",
  "Failure Count",
  "Median Response Time",
  "Average Response Time",
  "Min Response Time",
  "Max Response Time",
  "Average Content Size",
  "Requests/s",
  "Failures/s",
  ...PERCENTILE_COLUMNS,
];

export const HISTORY_HEADER: readonly string[] = [
  "Timestamp",
  "User Count",
  "Type",
  "Name",
  "Requests/s",
  "Failures/s",
  ...PERCENTILE_COLUMNS,
  "Total Request Count",
  "Total Failure Count",
  "Total Median Response Time",
  "Total Average Response Time",
  "Total Min Response Time",
  "Total Max Response Time",
  "Total Average Content Size",
];

export const FAILURES_HEADER: readonly string[] = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"];
export const EXCEPTIONS_HEADER: readonly string[] = ["Count", "Message", "Traceback", "Nodes"];

/** Python's `x or 0` on a float that may be None or 0.0. */
function floatOrZero(value: number | undefined): string {
  return value === undefined || value === 0 ? "0" : pyFloatRepr(value);
}

function median(entry: StatsEntry): string {
  const { value, raw } = entry.medianResponseTime;
  return raw ? floatOrZero(value) : String(value);
}

function avgContentSize(entry: StatsEntry): string {
  const average = entry.avgContentLength;
  return average === undefined ? "0" : pyFloatRepr(average);
}

/** The shared tail of both files: totals of one entry, as Locust's writer formats them. */
function totals(entry: StatsEntry): string[] {
  return [
    String(entry.numRequests),
    String(entry.numFailures),
    median(entry),
    pyFloatRepr(entry.avgResponseTime),
    floatOrZero(entry.minResponseTime),
    floatOrZero(entry.maxResponseTime),
    avgContentSize(entry),
  ];
}

function percentileFields(entry: StatsEntry, current: number | undefined): string[] {
  if (entry.numRequests === 0) return LOCUST_PERCENTILES.map(() => "N/A");
  return LOCUST_PERCENTILES.map((p) => String(current === undefined ? entry.percentile(p) : (entry.currentPercentile(p, current) ?? 0)));
}

function statsRow(entry: StatsEntry): string {
  const [count = "", failures = "", ...rest] = totals(entry);
  return csvRow([
    entry.method,
    entry.name,
    count,
    failures,
    ...rest,
    pyFloatRepr(entry.totalRps),
    pyFloatRepr(entry.totalFailPerSec),
    ...percentileFields(entry, undefined),
  ]);
}

/** `PREFIX_stats.csv`: one row per (name, method), then the Aggregated row. */
export function statsCsv(stats: RequestStats): string {
  return csvRow(STATS_HEADER) + [...stats.sortedEntries(), stats.total].map(statsRow).join("");
}

/**
 * The rows `_stats_history.csv` gains at one tick: Aggregated only (cumulative percentiles), or
 * with `--csv-full-history` every entry too (percentiles of the last ~10 s, as Locust does).
 */
export function historyRows(stats: RequestStats, userCount: number, now: number, fullHistory: boolean): string {
  const entries = fullHistory ? [...stats.sortedEntries(), stats.total] : [stats.total];
  return entries
    .map((entry) =>
      csvRow([
        String(Math.trunc(now)),
        String(userCount),
        entry.method,
        entry.name,
        entry.currentRps.toFixed(6),
        entry.currentFailPerSec.toFixed(6),
        ...percentileFields(entry, fullHistory ? now : undefined),
        ...totals(entry),
      ]),
    )
    .join("");
}

/** `PREFIX_failures.csv`. */
export function failuresCsv(stats: RequestStats): string {
  const rows = stats
    .sortedErrors()
    .map((error) => csvRow([error.method, error.name, error.error, String(error.occurrences), formatUtcTimestamp(error.firstSeen), formatUtcTimestamp(error.lastSeen)]));
  return csvRow(FAILURES_HEADER) + rows.join("");
}

/** `PREFIX_exceptions.csv`. */
export function exceptionsCsv(exceptions: readonly ExceptionRecord[]): string {
  const rows = exceptions.map((record) => csvRow([String(record.count), record.message, record.traceback, record.nodes]));
  return csvRow(EXCEPTIONS_HEADER) + rows.join("");
}
