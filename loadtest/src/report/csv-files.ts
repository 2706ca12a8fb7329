/**
 * The CSV files on disk, written as Locust does: headers at the start (the prefix' folders are
 * created), a history row per second appended while running, the other files written at the end.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ExceptionRecord } from "../stats/exception-log.ts";
import type { RequestStats } from "../stats/locust-stats.ts";
import { csvRow } from "./python-format.ts";
import { EXCEPTIONS_HEADER, exceptionsCsv, failuresCsv, FAILURES_HEADER, HISTORY_HEADER, statsCsv, STATS_HEADER } from "./locust-csv.ts";

export class CsvFiles {
  private readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    mkdirSync(dirname(`${prefix}_stats.csv`), { recursive: true });
    writeFileSync(this.path("stats"), csvRow(STATS_HEADER));
    writeFileSync(this.path("stats_history"), csvRow(HISTORY_HEADER));
    writeFileSync(this.path("failures"), csvRow(FAILURES_HEADER));
    writeFileSync(this.path("exceptions"), csvRow(EXCEPTIONS_HEADER));
  }

  appendHistory(rows: string): void {
    appendFileSync(this.path("stats_history"), rows);
  }

  writeFinal(stats: RequestStats, exceptions: readonly ExceptionRecord[]): void {
    writeFileSync(this.path("stats"), statsCsv(stats));
    writeFileSync(this.path("failures"), failuresCsv(stats));
    writeFileSync(this.path("exceptions"), exceptionsCsv(exceptions));
  }

  private path(kind: string): string {
    return `${this.prefix}_${kind}.csv`;
  }
}
