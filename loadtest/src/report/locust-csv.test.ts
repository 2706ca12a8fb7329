/**
 * Byte-for-byte comparison with Locust: fixtures/locust-golden holds the CSVs that Locust's own
 * stats.py wrote for the events in events.json (see generate.py there); we replay the same
 * events with the same clock and must produce identical bytes. The header rows are also checked
 * against fixtures/locust-headers, copied from the Locust reference.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replayGolden } from "../../fixtures/locust-golden/replay-events.ts";
import { RequestStats } from "../stats/locust-stats.ts";
import { csvRow } from "./python-format.ts";
import { EXCEPTIONS_HEADER, exceptionsCsv, failuresCsv, FAILURES_HEADER, HISTORY_HEADER, statsCsv, STATS_HEADER } from "./locust-csv.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const fixture = (...path: string[]): string => readFileSync(join(FIXTURES, ...path), "utf8");

describe("Locust CSV headers", () => {
  it("equal the header rows Locust writes, byte for byte", () => {
    expect(csvRow(STATS_HEADER)).toBe(fixture("locust-headers", "stats.csv"));
    expect(csvRow(HISTORY_HEADER)).toBe(fixture("locust-headers", "stats_history.csv"));
    expect(csvRow(FAILURES_HEADER)).toBe(fixture("locust-headers", "failures.csv"));
    expect(csvRow(EXCEPTIONS_HEADER)).toBe(fixture("locust-headers", "exceptions.csv"));
  });
});

describe("Locust CSV rows", () => {
  const golden = replayGolden();

  it("_stats.csv equals Locust's: row order, Aggregated row, Python number forms", () => {
    expect(statsCsv(golden.stats)).toBe(fixture("locust-golden", "golden_stats.csv"));
  });

  it("_stats_history.csv rows equal Locust's (Aggregated only, and --csv-full-history)", () => {
    expect(golden.history).toBe(fixture("locust-golden", "golden_stats_history.csv"));
    expect(golden.fullHistory).toBe(fixture("locust-golden", "golden_stats_history_full.csv"));
  });

  it("_failures.csv equals Locust's, including its sha256-key row order and quoting", () => {
    expect(failuresCsv(golden.stats)).toBe(fixture("locust-golden", "golden_failures.csv"));
  });

  it("_exceptions.csv is the header alone when the harness raised nothing", () => {
    expect(exceptionsCsv([])).toBe(fixture("locust-golden", "golden_exceptions.csv"));
  });

  it("writes N/A percentiles for an entry without requests", () => {
    const stats = new RequestStats(() => 1700000000);
    const [aggregated] = statsCsv(stats).split("\r\n").slice(1);
    expect(aggregated).toBe(",Aggregated,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A");
  });
});
