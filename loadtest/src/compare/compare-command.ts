/**
 * `pharos-load compare --a URL --b URL`: the same scenario against two targets in interleaved
 * slices — one discarded warm-up pair, then N rounds in A B, B A, A B ... order so drift in the
 * machine hits both sides alike — reporting the B/A ratio of each metric with its spread, and
 * each side's failure rate (exit 1 when one is above --max-fail-rate).
 * Default engine: autocannon at -u connections (saturation). With --rate: the open model.
 */
import type { CliIo } from "../cli/cli-io.ts";
import { COMPARE_FLAGS } from "../cli/flag-spec.ts";
import { FlagValues } from "../cli/flag-values.ts";
import { helpText } from "../cli/help-text.ts";
import { parseArgv } from "../cli/parse-argv.ts";
import { openPlan } from "../cli/run-options.ts";
import type { LogLevel, OpenPlan } from "../cli/run-options.ts";
import { UsageError } from "../cli/usage-error.ts";
import { checkGateway } from "../replay/gateway-check.ts";
import { Logger } from "../report/logger.ts";
import { loadScenario } from "../scenario/load-scenario.ts";
import { createRandom } from "../scenario/random.ts";
import type { Random } from "../scenario/random.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { autocannonSlice } from "./autocannon-slice.ts";
import { DEFAULT_MAX_FAIL_RATE, EXIT_TOO_MANY_FAILURES, failureCheck, failureLines, failureRow } from "./failure-check.ts";
import { openSlice } from "./open-slice.ts";
import { compareRounds, compareTable } from "./ratio-stats.ts";
import type { MetricComparison, RoundPair } from "./ratio-stats.ts";
import type { SliceMeasure } from "./slice-measure.ts";

interface CompareOptions {
  readonly a: string;
  readonly b: string;
  readonly locustfile: string;
  readonly connections: number;
  readonly rounds: number;
  readonly sliceS: number;
  readonly plan: OpenPlan | undefined;
  readonly maxFailRate: number;
  readonly json: boolean;
  readonly seed: number | undefined;
  readonly loglevel: LogLevel;
}

function target(flags: FlagValues, name: "a" | "b"): string {
  const value = flags.string(name);
  if (value === undefined) throw new UsageError(`compare needs --a URL and --b URL (missing --${name})`);
  if (!/^https?:\/\//.test(value)) throw flags.invalid(name, value, "not an http:// or https:// URL");
  return value;
}

function atLeastOne(flags: FlagValues, name: string, fallback: number): number {
  const value = flags.number(name) ?? fallback;
  if (!(value >= 1)) throw flags.invalid(name, String(value), "less than 1");
  return value;
}

function failRateLimit(flags: FlagValues): number {
  const value = flags.number("max-fail-rate") ?? DEFAULT_MAX_FAIL_RATE;
  if (!(value >= 0 && value <= 1)) throw flags.invalid("max-fail-rate", String(value), "not a fraction between 0 and 1 (0.01 = 1 %)");
  return value;
}

function compareOptions(flags: FlagValues): CompareOptions {
  const sliceS = flags.seconds("slice") ?? 2;
  if (!(sliceS > 0)) throw flags.invalid("slice", String(sliceS), "not > 0");
  return {
    a: target(flags, "a"),
    b: target(flags, "b"),
    locustfile: flags.string("locustfile") ?? "litellm-benchmark",
    connections: atLeastOne(flags, "users", 10),
    rounds: atLeastOne(flags, "rounds", 6),
    sliceS,
    plan: openPlan(flags),
    maxFailRate: failRateLimit(flags),
    json: flags.bool("json"),
    seed: flags.number("seed"),
    loglevel: (flags.string("loglevel") ?? "INFO") as LogLevel,
  };
}

function slicer(options: CompareOptions, scenario: Scenario, random: Random): (url: string) => Promise<SliceMeasure> {
  const plan = options.plan;
  if (plan !== undefined) return (url) => openSlice(url, scenario, plan, options.sliceS, random);
  return (url) => autocannonSlice(url, scenario, options.connections, options.sliceS, random);
}

function sliceText(slice: SliceMeasure): string {
  return `${slice.rps.toFixed(1)} req/s p50 ${slice.p50.toFixed(2)} ms, ${slice.failures} failed`;
}

async function runRounds(options: CompareOptions, slice: (url: string) => Promise<SliceMeasure>, log: Logger): Promise<RoundPair[]> {
  const rounds: RoundPair[] = [];
  for (let round = 0; round <= options.rounds; round++) {
    const aFirst = round % 2 === 0;
    const first = await slice(aFirst ? options.a : options.b);
    const second = await slice(aFirst ? options.b : options.a);
    const pair = aFirst ? { a: first, b: second } : { a: second, b: first };
    const label = round === 0 ? "warm-up (discarded)" : `round ${round}/${options.rounds}`;
    log.info(`${label}: A ${sliceText(pair.a)} | B ${sliceText(pair.b)}`);
    if (round > 0) rounds.push(pair);
  }
  return rounds;
}

function textReport(options: CompareOptions, engine: string, rows: readonly MetricComparison[], notes: readonly string[]): string {
  const head = [`A = ${options.a}`, `B = ${options.b}`, `${engine}; ${options.rounds} rounds x ${options.sliceS} s per target`, ""];
  return `${[...head, compareTable(rows), ...(notes.length === 0 ? [] : ["", ...notes])].join("\n")}\n`;
}

export async function compareCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = new FlagValues(COMPARE_FLAGS, parseArgv(argv, COMPARE_FLAGS), io.env, []);
  if (flags.bool("help")) return (io.stdout(helpText("compare", COMPARE_FLAGS)), 0);
  const options = compareOptions(flags);
  const log = new Logger(options.loglevel, io.stderr);
  const scenario = await loadScenario(options.locustfile, { env: io.env, cwd: io.cwd });
  const engine = options.plan === undefined ? `autocannon, ${options.connections} connections, no think time` : `open model, ${options.plan.rate} req/s`;
  // Both targets must answer before the first round: a dead one is an error now, not after every slice failed.
  for (const [side, url] of [["A", options.a], ["B", options.b]] as const) await checkGateway(url, `is target ${side} (--${side.toLowerCase()}) up?`);
  log.info(`compare ${scenario.name}: A=${options.a} B=${options.b}; ${engine}; ${options.rounds} rounds of ${options.sliceS} s slices (ABBA order) after a warm-up pair`);
  const rounds = await runRounds(options, slicer(options, scenario, createRandom(options.seed)), log);
  const comparisons = compareRounds(rounds);
  const failures = failureCheck(rounds, options.maxFailRate);
  const notes = failureLines(failures);
  if (failures.over.length > 0) for (const line of notes) log.error(line);
  if (options.json) io.stdout(`${JSON.stringify({ a: options.a, b: options.b, scenario: scenario.name, engine, sliceSeconds: options.sliceS, rounds, comparisons, failures, notes }, null, 2)}\n`);
  else io.stdout(textReport(options, engine, [...comparisons, failureRow(failures)], notes));
  return failures.over.length > 0 ? EXIT_TOO_MANY_FAILURES : 0;
}
