/**
 * `pharos-load [options]`: a Locust-style run. Resolves the options, loads the scenario, runs
 * the load, and writes what Locust writes (CSV files, --json, console tables on stderr) plus our
 * summary, thresholds and the HTML report. Returns the exit code.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { executeLoadRun } from "../load/load-run.ts";
import type { LoadRunResult, StopReason, Tick } from "../load/load-run.ts";
import { CsvFiles } from "../report/csv-files.ts";
import { errorReport, percentileTable, statsTable } from "../report/console-table.ts";
import { htmlReport } from "../report/html-report.ts";
import { historyRows } from "../report/locust-csv.ts";
import { locustJson } from "../report/locust-json.ts";
import { Logger } from "../report/logger.ts";
import { describePlan, summaryLines } from "../report/run-summary-text.ts";
import { loadScenario } from "../scenario/load-scenario.ts";
import { createRandom } from "../scenario/random.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { metricValue } from "../thresholds/metric-value.ts";
import { evaluateThresholds } from "../thresholds/threshold.ts";
import type { ThresholdResult } from "../thresholds/threshold.ts";
import type { CliIo } from "./cli-io.ts";
import { loadConfFiles } from "./conf-files.ts";
import { RUN_FLAGS } from "./flag-spec.ts";
import { FlagValues } from "./flag-values.ts";
import { helpText } from "./help-text.ts";
import { packageVersion } from "./package-root.ts";
import { parseArgv } from "./parse-argv.ts";
import { runOptions } from "./run-options.ts";
import type { RunOptions } from "./run-options.ts";
import { EXIT_THRESHOLDS, UsageError } from "./usage-error.ts";

/** A finished run with everything the reports need. */
export interface FinishedRun {
  readonly options: RunOptions;
  readonly scenario: Scenario;
  readonly host: string;
  readonly result: LoadRunResult;
  readonly thresholds: readonly ThresholdResult[];
}

/** How `replay` reuses the run: its own defaults, a check of the target before it, extra output after it. */
export interface RunVariant {
  readonly command: "run" | "replay";
  readonly defaults?: Readonly<Record<string, string>>;
  /** Throws (a UsageError) when the run should not start. */
  readonly beforeRun?: (host: string, log: Logger) => Promise<void>;
  readonly afterRun?: (run: FinishedRun) => string;
}

function targetHost(host: string | undefined): string {
  if (host === undefined) throw new UsageError("no target: pass -H/--host URL (or set LOCUST_HOST, host = in locust.conf, or host: in the scenario)");
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new UsageError(`-H/--host ${JSON.stringify(host)} is not a URL (expected e.g. http://127.0.0.1:4000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`-H/--host ${host}: only http:// and https:// targets are supported`);
  return host;
}

const STOP_MESSAGES: Readonly<Record<StopReason, string>> = {
  "run-time": "--run-time limit reached, shutting down",
  signal: "Got a stop signal, shutting down",
  tick: "A threshold marked :abort failed, shutting down",
};

function tickHandler(options: RunOptions, csv: CsvFiles | undefined, log: Logger, io: CliIo): (tick: Tick) => "stop" | undefined {
  let ticks = 0;
  const aborting = options.thresholds.filter((threshold) => threshold.abort);
  return (tick) => {
    const stats = tick.run.recorder.stats;
    csv?.appendHistory(historyRows(stats, tick.userCount, tick.now, options.csvFullHistory));
    ticks += 1;
    if (!options.onlySummary && ticks % 2 === 1 && ticks > 1) io.stderr(`${statsTable(stats, true).join("\n")}\n\n`);
    const failed = evaluateThresholds(aborting, (metric) => metricValue(metric, tick.run)).filter((r) => r.value !== undefined && !r.passed);
    if (failed.length === 0) return undefined;
    log.error(`threshold ${failed.map((r) => r.threshold.text).join(", ")} failed`);
    return "stop";
  };
}

function htmlFileName(template: string, options: RunOptions): string {
  const plan = options.plan;
  return template
    .replaceAll("{u}", plan.kind === "closed" ? String(plan.users) : String(plan.maxInFlight))
    .replaceAll("{r}", plan.kind === "closed" ? String(plan.spawnRate) : String(plan.rate))
    .replaceAll("{t}", String(options.runTimeS ?? ""));
}

function configuration(run: FinishedRun): Array<[string, string]> {
  const { options, scenario } = run;
  const rows: Array<[string, string]> = [
    ["scenario", `${scenario.name} (${scenario.source})`],
    ["target", run.host],
    ["load", describePlan(options.plan)],
    ["run time", options.runTimeS === undefined ? "until stopped" : `${options.runTimeS} s`],
    ["stopped by", run.result.stoppedBy],
    ["stop timeout", `${options.stopTimeoutS} s`],
    ["seed", options.seed === undefined ? "random" : String(options.seed)],
  ];
  for (const user of scenario.userClasses) {
    rows.push([`user class ${user.name}`, `weight ${user.weight}, wait_time ${user.waitTimeText}, tasks: ${user.tasks.map((task) => `${task.method} ${task.name} ×${task.weight}`).join(", ")}`]);
  }
  rows.push(["custom entries", scenario.metrics.map((m) => `${m.type} "${m.name}" from ${m.header}`).join(", ") || "none"]);
  rows.push(["harness", `pharos-load ${packageVersion()}, Node ${process.version}`]);
  return rows;
}

function writeReports(run: FinishedRun, csv: CsvFiles | undefined, io: CliIo): void {
  const { options, result } = run;
  const stats = result.run.recorder.stats;
  csv?.writeFinal(stats, result.run.recorder.exceptions.list());
  if (options.json) io.stdout(`${locustJson(stats)}\n`);
  if (options.jsonFile !== undefined) writeFileSync(resolve(io.cwd, `${options.jsonFile}.json`), locustJson(stats));
  const tables = [...statsTable(stats, false), "", ...percentileTable(stats), "", ...errorReport(stats)];
  io.stderr(`${[...tables, ...summaryLines(result.run, options.plan, result.interrupted, run.thresholds)].join("\n")}\n`);
  if (options.htmlFile !== undefined) {
    const title = `pharos-load: ${run.scenario.name} → ${run.host}`;
    writeFileSync(resolve(io.cwd, htmlFileName(options.htmlFile, options)), htmlReport({ title, configuration: configuration(run), run: result.run, thresholds: run.thresholds }));
  }
}

function exitCode(run: FinishedRun): number {
  if (run.thresholds.some((r) => !r.passed)) return EXIT_THRESHOLDS;
  const recorder = run.result.run.recorder;
  return recorder.stats.hasErrors || recorder.exceptions.size > 0 ? run.options.exitCodeOnError : 0;
}

export async function runCommand(argv: readonly string[], io: CliIo, variant: RunVariant = { command: "run" }): Promise<number> {
  const parsed = parseArgv(argv, RUN_FLAGS);
  const flags = new FlagValues(RUN_FLAGS, parsed, io.env, loadConfFiles(parsed, io.cwd, io.env), variant.defaults);
  if (flags.bool("help")) return (io.stdout(helpText(variant.command, RUN_FLAGS)), 0);
  if (flags.bool("version")) return (io.stdout(`pharos-load ${packageVersion()}\n`), 0);
  const options = runOptions(flags);
  const log = new Logger(options.loglevel, io.stderr);
  for (const note of options.notes) log.warning(note);
  const scenario = await loadScenario(options.locustfile, { env: io.env, cwd: io.cwd, userClassNames: options.userClasses });
  const host = targetHost(options.host ?? scenario.host);
  await variant.beforeRun?.(host, log);
  const csv = options.csvPrefix === undefined ? undefined : new CsvFiles(resolve(io.cwd, options.csvPrefix));
  log.info(`Starting ${scenario.name} against ${host}: ${describePlan(options.plan)}`);
  if (options.runTimeS !== undefined) log.info(`Run time limit set to ${options.runTimeS} seconds`);
  const result = await executeLoadRun({
    scenario,
    host,
    plan: options.plan,
    runTimeMs: options.runTimeS === undefined ? undefined : options.runTimeS * 1000,
    stopTimeoutMs: options.stopTimeoutS * 1000,
    random: createRandom(options.seed),
    clock: () => Date.now() / 1000,
    signal: io.signal,
    onTick: tickHandler(options, csv, log, io),
    onSpawned: (counts) => log.info(`All users spawned: ${JSON.stringify(counts)} (${Object.values(counts).reduce((a, b) => a + b, 0)} total users)`),
  });
  log.info(STOP_MESSAGES[result.stoppedBy]);
  const thresholds = evaluateThresholds(options.thresholds, (metric) => metricValue(metric, result.run));
  const run: FinishedRun = { options, scenario, host, result, thresholds };
  writeReports(run, csv, io);
  if (variant.afterRun !== undefined) io.stdout(variant.afterRun(run));
  const code = exitCode(run);
  log.info(`Shutting down (exit code ${code})`);
  return code;
}
