/**
 * A Locust-style run against a scripted server with known latencies: the CSV files have
 * Locust's exact headers and layout and their numbers match what the server was told to do;
 * --json has Locust's shape; failures set the exit code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedServer } from "./support/scripted-server.ts";
import { removeTempDirs, runHarness, tempDir, writeScenario } from "./support/run-harness.ts";
import type { HarnessRun } from "./support/run-harness.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "locust-headers");
const FAST_MS = 20;
const SLOW_MS = 200;

const SCENARIO = `
users:
  - name: Scripted
    wait_time: constant(0.05)
    tasks:
      - { method: POST, path: /v1/chat/completions, weight: 4, body: { model: m, messages: [{ role: user, content: hi }] } }
      - { method: GET, path: /v1/models, weight: 1 }
metrics:
  - { name: LiteLLM Overhead Duration (ms), header: x-litellm-overhead-duration-ms }
`;

// Every 5th chat request is slow; /v1/models always fails.
const server = new ScriptedServer((request, index) =>
  request.url === "/v1/models" ? { status: 500, body: '{"error":{"message":"boom"}}' } : { delayMs: index % 5 === 4 ? SLOW_MS : FAST_MS, headers: { "X-LiteLLM-Overhead-Duration-Ms": "1.5" }, body: '{"ok":true}' },
);

type Row = Record<string, string>;

function readCsv(path: string): { text: string; header: string; rows: Row[] } {
  const text = readFileSync(path, "utf8");
  const [header = "", ...lines] = text.split("\r\n").filter((line) => line !== "");
  const columns = header.split(",");
  // no quoted commas in these files except the failures' Error column, handled below
  const rows = lines.map((line) => Object.fromEntries(columns.map((column, i) => [column, line.split(",")[i] ?? ""])));
  return { text, header, rows };
}

let url = "";
let dir = "";
let run: HarnessRun;

beforeAll(async () => {
  url = await server.listen();
  dir = tempDir();
  const scenario = writeScenario(dir, "scripted.yaml", SCENARIO);
  run = await runHarness(["-f", scenario, "-H", url, "-u", "4", "-r", "4", "-t", "3s", "--headless", "--csv", "out/run", "--csv-full-history", "--json", "--only-summary", "--seed", "7"], { cwd: dir });
}, 30_000);

afterAll(() => {
  server.close();
  removeTempDirs();
});

describe("--csv against a scripted server", () => {
  it("writes the four files with Locust's exact header rows and CRLF line ends", () => {
    for (const name of ["stats", "stats_history", "failures", "exceptions"]) {
      const { text } = readCsv(join(dir, "out", `run_${name}.csv`));
      expect(text.startsWith(readFileSync(join(FIXTURES, `${name}.csv`), "utf8")), name).toBe(true);
      expect(text.replaceAll("\r\n", "").includes("\n"), name).toBe(false);
    }
  });

  it("lists entries sorted by name then method, then the Aggregated row summing them", () => {
    const { rows } = readCsv(join(dir, "out", "run_stats.csv"));
    expect(rows.map((row) => `${row["Type"]} ${row["Name"]}`)).toEqual(["POST /v1/chat/completions", "GET /v1/models", "Custom LiteLLM Overhead Duration (ms)", " Aggregated"]);
    const sum = (column: string): number => rows.slice(0, -1).reduce((total, row) => total + Number(row[column]), 0);
    expect(Number(rows.at(-1)?.["Request Count"])).toBe(sum("Request Count"));
    expect(Number(rows.at(-1)?.["Failure Count"])).toBe(sum("Failure Count"));
  });

  it("reports the scripted latencies: fast median, slow tail, in Locust's bucketed integers", () => {
    const chat = readCsv(join(dir, "out", "run_stats.csv")).rows[0] ?? {};
    const count = Number(chat["Request Count"]);
    // recorded requests are the ones the server answered, minus those cut off at the stop
    expect(count).toBeGreaterThan(20);
    expect(count).toBeLessThanOrEqual(server.hitsOf("/v1/chat/completions"));
    expect(count).toBeGreaterThanOrEqual(server.hitsOf("/v1/chat/completions") - 4);
    expect(chat["Failure Count"]).toBe("0");
    // The server waits its scripted wall time before answering, so no response is faster than the
    // script: lower bounds are exact. Upper bounds leave room for a busy shared machine.
    for (const column of ["50%", "Median Response Time", "Min Response Time"]) {
      expect(Number(chat[column]), column).toBeGreaterThanOrEqual(FAST_MS);
      expect(Number(chat[column]), column).toBeLessThanOrEqual(FAST_MS * 2);
    }
    for (const column of ["66%", "75%"]) {
      expect(Number(chat[column]), column).toBeGreaterThanOrEqual(FAST_MS);
      expect(Number(chat[column]), column).toBeLessThanOrEqual(FAST_MS * 3);
    }
    // one request in five is slow: the 90th percentile and above are in the slow band
    for (const column of ["90%", "95%", "99%", "100%", "Max Response Time"]) expect(Number(chat[column]), column).toBeGreaterThanOrEqual(SLOW_MS);
    for (const column of ["90%", "95%"]) expect(Number(chat[column]), column).toBeLessThan(SLOW_MS * 2);
    // the slowest one or two samples: one stall of the machine lands here
    for (const column of ["99%", "100%", "Max Response Time"]) expect(Number(chat[column]), column).toBeLessThan(SLOW_MS * 3);
    expect(chat["Min Response Time"]).toMatch(/^\d+\.\d+$/);
    expect(chat["Average Content Size"]).toBe("11.0");
    // Every 5th chat request the server saw was slow; at most the requests cut off at the stop
    // (hits - count) are missing from the recorded ones, so at least this many recorded are slow:
    const hits = server.hitsOf("/v1/chat/completions");
    const slowAtLeast = Math.floor(hits / 5) - (hits - count);
    const slowAtMost = Math.floor(hits / 5);
    const average = Number(chat["Average Response Time"]);
    expect(average).toBeGreaterThanOrEqual(FAST_MS + ((SLOW_MS - FAST_MS) * slowAtLeast) / count);
    expect(average).toBeLessThan(FAST_MS + ((SLOW_MS - FAST_MS) * slowAtMost) / count + FAST_MS * 2);
  });

  it("records the header as a Custom entry on every chat response (Locust clamps the bucketed median to the max)", () => {
    const { rows } = readCsv(join(dir, "out", "run_stats.csv"));
    const custom = rows[2] ?? {};
    expect(custom["Request Count"]).toBe(rows[0]?.["Request Count"]);
    expect([custom["Median Response Time"], custom["Average Response Time"], custom["Min Response Time"], custom["Max Response Time"], custom["Average Content Size"]]).toEqual(["1.5", "1.5", "1.5", "1.5", "0.0"]);
    expect(custom["50%"]).toBe("2");
  });

  it("counts every /v1/models request as a failure with requests' HTTPError text", () => {
    const stats = readCsv(join(dir, "out", "run_stats.csv")).rows[1] ?? {};
    expect(stats["Failure Count"]).toBe(stats["Request Count"]);
    const failures = readFileSync(join(dir, "out", "run_failures.csv"), "utf8").split("\r\n");
    expect(failures[1]).toMatch(new RegExp(`^GET,/v1/models,HTTPError\\('500 Server Error: Internal Server Error for url: ${url}/v1/models'\\),${stats["Request Count"]},\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ,`));
  });

  it("appends a history row per second, the first with User Count 0, and per-entry rows with --csv-full-history", () => {
    const { rows } = readCsv(join(dir, "out", "run_stats_history.csv"));
    const aggregated = rows.filter((row) => row["Name"] === "Aggregated");
    expect(aggregated.length).toBeGreaterThanOrEqual(3);
    expect(aggregated[0]?.["User Count"]).toBe("0");
    expect(aggregated[0]?.["50%"]).toBe("N/A");
    expect(aggregated.at(-1)?.["User Count"]).toBe("4");
    const stamps = aggregated.map((row) => Number(row["Timestamp"]));
    expect(stamps.every((stamp, i) => Number.isInteger(stamp) && (i === 0 || stamp >= (stamps[i - 1] ?? 0)))).toBe(true);
    expect(rows.some((row) => row["Name"] === "/v1/chat/completions" && row["Type"] === "POST")).toBe(true);
  });

  it("prints Locust's --json list to stdout, floats in Python's form", () => {
    const entries = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    // JSON.parse cannot tell 1.5 from 1.5 or 2 from 2.0: check the text as json.dumps writes it
    for (const key of ["last_request_timestamp", "start_time", "total_response_time", "max_response_time", "min_response_time"]) {
      expect(run.stdout.match(new RegExp(`^        "${key}": \\d+\\.\\d+,$`, "gm")), key).toHaveLength(entries.length);
    }
    expect(run.stdout).toMatch(/^ {8}"total_response_time": [\d.]+,\n {8}"max_response_time": 1\.5,\n {8}"min_response_time": 1\.5,$/m);
    expect(entries.map((entry) => entry["name"]).sort()).toEqual(["/v1/chat/completions", "/v1/models", "LiteLLM Overhead Duration (ms)"]);
    for (const entry of entries) {
      expect(Object.keys(entry)).toEqual([
        "name", "method", "last_request_timestamp", "start_time", "num_requests", "num_none_requests", "num_failures",
        "total_response_time", "max_response_time", "min_response_time", "total_content_length", "response_times", "num_reqs_per_sec", "num_fail_per_sec",
      ]);
      const buckets = entry["response_times"] as Record<string, number>;
      expect(Object.values(buckets).reduce((a, b) => a + b, 0)).toBe(entry["num_requests"]);
      expect(Object.keys(buckets).every((key) => /^\d+$/.test(key))).toBe(true);
    }
  });

  it("exits with --exit-code-on-error's default 1 because requests failed, and prints the tables to stderr", () => {
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Response time percentiles \(approximated\)/);
    expect(run.stderr).toMatch(/Error report/);
    expect(run.stderr).toMatch(/gateway overhead \(x-litellm-overhead-duration-ms\)/);
  });
});
