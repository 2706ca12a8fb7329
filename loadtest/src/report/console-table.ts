/**
 * Locust's console tables (stats.py `get_stats_summary`, `get_percentile_stats_summary`,
 * `get_error_report_summary`) with its column widths, for a terminal of 160+ columns
 * (Locust's name column is 80 wide when stderr is not a terminal).
 */
import { LOCUST_PERCENTILES, readablePercentile } from "../stats/locust-math.ts";
import type { RequestStats, StatsEntry } from "../stats/locust-stats.ts";

const TYPE_WIDTH = 8;
const NAME_WIDTH = 80;
const NAME_COLUMN = NAME_WIDTH - TYPE_WIDTH + 4;

const left = (text: string, width: number): string => text.padEnd(width);
const right = (text: string, width: number): string => text.padStart(width);
const int = (value: number, width: number): string => right(String(Math.trunc(value)), width);
const fixed = (value: number, width: number): string => right(value.toFixed(2), width);

function statsLine(entry: StatsEntry, current: boolean): string {
  const rps = current ? entry.currentRps : entry.totalRps;
  const failPerSec = current ? entry.currentFailPerSec : entry.totalFailPerSec;
  const failures = `${entry.numFailures}(${(entry.failRatio * 100).toFixed(2)}%)`;
  return (
    `${left(entry.method === "" ? "" : `${entry.method} `, TYPE_WIDTH)} ${left(entry.name, NAME_COLUMN)} ${int(entry.numRequests, 7)} ${right(failures, 12)} ` +
    `|${int(entry.avgResponseTime, 7)} ${int(entry.minResponseTime ?? 0, 7)} ${int(entry.maxResponseTime, 7)}${int(entry.medianResponseTime.value, 7)} ` +
    `| ${fixed(rps, 7)} ${fixed(failPerSec, 11)}`
  );
}

/** The request stats table; `current` uses the last ~10 s rates (periodic prints), else whole-run rates. */
export function statsTable(stats: RequestStats, current: boolean): string[] {
  const header =
    `${left("Type", TYPE_WIDTH)} ${left("Name", NAME_COLUMN)} ${right("# reqs", 7)} ${right("# fails", 12)} ` +
    `|${right("Avg", 7)} ${right("Min", 7)} ${right("Max", 7)}${right("Med", 7)} | ${right("req/s", 7)} ${right("failures/s", 11)}`;
  const separator = ["-".repeat(TYPE_WIDTH), "-".repeat(NAME_COLUMN), "-".repeat(7), "-".repeat(13), "-".repeat(7), "-".repeat(7), "-".repeat(7), "-".repeat(7), "-".repeat(8), "-".repeat(11)].join("|");
  return [header, separator, ...stats.sortedEntries().map((entry) => statsLine(entry, current)), separator, statsLine(stats.total, current)];
}

function percentileLine(entry: StatsEntry): string {
  const [first = 0, ...rest] = LOCUST_PERCENTILES.map((p) => entry.percentile(p));
  return `${left(entry.method, TYPE_WIDTH)} ${left(entry.name, NAME_WIDTH)} ${int(first, 8)} ${[...rest, entry.numRequests].map((value) => int(value, 6)).join(" ")}`;
}

export function percentileTable(stats: RequestStats): string[] {
  const [first = "", ...rest] = [...LOCUST_PERCENTILES.map(readablePercentile), "# reqs"];
  const header = `${left("Type", TYPE_WIDTH)} ${left("Name", NAME_WIDTH)} ${right(first, 8)} ${rest.map((label) => right(label, 6)).join(" ")}`;
  const separator = `${"-".repeat(TYPE_WIDTH)}|${"-".repeat(NAME_WIDTH)}|${"-".repeat(8)}|${`${"-".repeat(6)}|`.repeat(LOCUST_PERCENTILES.length)}`.slice(0, -1);
  const rows = stats.sortedEntries().filter((entry) => entry.responseTimes.size > 0).map(percentileLine);
  const total = stats.total.responseTimes.size > 0 ? [percentileLine(stats.total)] : [];
  return ["Response time percentiles (approximated)", header, separator, ...rows, separator, ...total];
}

export function errorReport(stats: RequestStats): string[] {
  const errors = stats.sortedErrors();
  if (errors.length === 0) return [];
  const separator = `${"-".repeat(18)}|${"-".repeat(80 + NAME_WIDTH - 19)}`;
  return [
    "Error report",
    `${left("# occurrences", 18)} ${left("Error", 100)}`,
    separator,
    ...errors.map((error) => `${left(String(error.occurrences), 18)} ${left(`${error.method} ${error.name}: ${error.error}`, 100)}`),
    separator,
    "",
  ];
}
