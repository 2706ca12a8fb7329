/** The options of a load run, resolved from flags, LOCUST_* variables and locust.conf. */
import type { ArrivalKind } from "../load/arrivals.ts";
import { parseThreshold } from "../thresholds/threshold.ts";
import type { Threshold } from "../thresholds/threshold.ts";
import type { FlagValues } from "./flag-values.ts";
import { UsageError } from "./usage-error.ts";

export interface ClosedPlan {
  readonly kind: "closed";
  readonly users: number;
  readonly spawnRate: number;
}

export interface OpenPlan {
  readonly kind: "open";
  readonly rate: number;
  readonly arrival: ArrivalKind;
  readonly maxInFlight: number;
  readonly maxLatenessMs: number;
}

export type LoadPlan = ClosedPlan | OpenPlan;

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

export interface RunOptions {
  readonly locustfile: string;
  readonly host: string | undefined;
  readonly plan: LoadPlan;
  readonly runTimeS: number | undefined;
  readonly csvPrefix: string | undefined;
  readonly csvFullHistory: boolean;
  readonly htmlFile: string | undefined;
  readonly json: boolean;
  readonly jsonFile: string | undefined;
  readonly onlySummary: boolean;
  readonly stopTimeoutS: number;
  readonly loglevel: LogLevel;
  readonly exitCodeOnError: number;
  readonly thresholds: readonly Threshold[];
  readonly seed: number | undefined;
  /** Locust's positional user class names. */
  readonly userClasses: readonly string[];
  /** Things worth a warning (options that the chosen load model ignores). */
  readonly notes: readonly string[];
}

function positive(flags: FlagValues, name: string, fallback: number): number {
  const value = flags.number(name) ?? fallback;
  if (!(value > 0)) throw flags.invalid(name, String(value), "not > 0");
  return value;
}

export function openPlan(flags: FlagValues): OpenPlan | undefined {
  const rate = flags.number("rate");
  if (rate === undefined) return undefined;
  if (!(rate > 0)) throw flags.invalid("rate", String(rate), "not > 0");
  return {
    kind: "open",
    rate,
    arrival: (flags.string("arrival") ?? "constant") as ArrivalKind,
    maxInFlight: positive(flags, "max-in-flight", 1000),
    maxLatenessMs: (flags.seconds("max-lateness") ?? 1) * 1000,
  };
}

function closedPlan(flags: FlagValues): ClosedPlan {
  const users = flags.number("users") ?? 1;
  if (users < 0) throw flags.invalid("users", String(users), "negative");
  return { kind: "closed", users, spawnRate: positive(flags, "spawn-rate", 1) };
}

function thresholdsOf(flags: FlagValues): Threshold[] {
  return flags.list("threshold").map((text) => {
    try {
      return parseThreshold(text);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  });
}

export function runOptions(flags: FlagValues): RunOptions {
  const csvPrefix = flags.string("csv");
  const csvFullHistory = flags.bool("csv-full-history");
  if (csvFullHistory && csvPrefix === undefined) throw new UsageError("'--csv-full-history' requires '--csv'.");
  const open = openPlan(flags);
  const ignored = ["users", "spawn-rate"].filter((name) => open !== undefined && flags.has(name));
  const notes = ignored.length === 0 ? [] : [`--rate runs the open model: ignoring ${ignored.map((name) => `--${name}`).join(" and ")} (use --max-in-flight to cap concurrency)`];
  return {
    locustfile: flags.string("locustfile") ?? "litellm-benchmark",
    host: flags.string("host"),
    plan: open ?? closedPlan(flags),
    runTimeS: flags.seconds("run-time"),
    csvPrefix,
    csvFullHistory,
    htmlFile: flags.string("html"),
    json: flags.bool("json"),
    jsonFile: flags.string("json-file"),
    onlySummary: flags.bool("only-summary"),
    stopTimeoutS: flags.seconds("stop-timeout") ?? 0,
    loglevel: (flags.string("loglevel") ?? "INFO") as LogLevel,
    exitCodeOnError: flags.number("exit-code-on-error") ?? 1,
    thresholds: thresholdsOf(flags),
    seed: flags.number("seed"),
    userClasses: flags.positionals,
    notes,
  };
}
