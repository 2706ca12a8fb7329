/**
 * The command-line flags, one table per command. Locust's flags keep Locust's names, short
 * forms and LOCUST_* variables; ours use PHAROS_LOAD_*. Every flag may also be set in
 * locust.conf by its long name.
 */

export type FlagKind = "string" | "int" | "float" | "bool" | "timespan" | "duration" | "list";

export interface FlagSpec {
  /** Long name without the dashes, as written in locust.conf. */
  readonly name: string;
  readonly short?: string;
  readonly env?: string;
  readonly kind: FlagKind;
  readonly choices?: readonly string[];
  readonly metavar?: string;
  readonly help: string;
}

const LOCUSTFILE: FlagSpec = { name: "locustfile", short: "f", env: "LOCUST_LOCUSTFILE", kind: "string", metavar: "NAME|FILE", help: "built-in scenario name or scenario file (.yaml, .ts); default litellm-benchmark" };
const LOGLEVEL: FlagSpec = { name: "loglevel", short: "L", env: "LOCUST_LOGLEVEL", kind: "string", choices: ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], metavar: "LEVEL", help: "DEBUG/INFO/WARNING/ERROR/CRITICAL; default INFO" };
const JSON_FLAG: FlagSpec = { name: "json", kind: "bool", help: "print the final stats as JSON to stdout" };
const SEED: FlagSpec = { name: "seed", env: "PHAROS_LOAD_SEED", kind: "int", metavar: "N", help: "seed for task choices and Poisson arrivals (reproducible runs)" };
const HELP: FlagSpec = { name: "help", short: "h", kind: "bool", help: "show this help and exit" };

const OPEN_MODEL: readonly FlagSpec[] = [
  { name: "rate", env: "PHAROS_LOAD_RATE", kind: "float", metavar: "R", help: "open model: R requests/s on a schedule, latency from the intended send time (instead of -u/-r users)" },
  { name: "arrival", env: "PHAROS_LOAD_ARRIVAL", kind: "string", choices: ["constant", "poisson"], metavar: "KIND", help: "open model arrivals: constant (default) or poisson" },
  { name: "max-in-flight", env: "PHAROS_LOAD_MAX_IN_FLIGHT", kind: "int", metavar: "N", help: "open model: at most N requests in flight (connections); default 1000" },
  { name: "max-lateness", env: "PHAROS_LOAD_MAX_LATENESS", kind: "duration", metavar: "TIME", help: "open model: drop a request that cannot start within TIME of its intended send; default 1s" },
];

export const RUN_FLAGS: readonly FlagSpec[] = [
  LOCUSTFILE,
  { name: "config", kind: "string", metavar: "FILE", help: "read options from FILE (locust.conf format), after ~/.locust.conf and ./locust.conf" },
  { name: "host", short: "H", env: "LOCUST_HOST", kind: "string", metavar: "URL", help: "target base URL, e.g. http://127.0.0.1:4000" },
  { name: "users", short: "u", env: "LOCUST_USERS", kind: "int", metavar: "N", help: "closed model: peak number of concurrent users; default 1" },
  { name: "spawn-rate", short: "r", env: "LOCUST_SPAWN_RATE", kind: "float", metavar: "R", help: "closed model: users started per second; default 1" },
  { name: "run-time", short: "t", env: "LOCUST_RUN_TIME", kind: "timespan", metavar: "TIME", help: "stop after TIME (300s, 20m, 1h30m); default: until Ctrl-C" },
  { name: "headless", env: "LOCUST_HEADLESS", kind: "bool", help: "accepted for compatibility; pharos-load has no web UI" },
  { name: "csv", env: "LOCUST_CSV", kind: "string", metavar: "PREFIX", help: "write PREFIX_stats.csv, _stats_history.csv, _failures.csv, _exceptions.csv" },
  { name: "csv-full-history", env: "LOCUST_CSV_FULL_HISTORY", kind: "bool", help: "every entry in _stats_history.csv, not only Aggregated (requires --csv)" },
  { name: "html", env: "LOCUST_HTML", kind: "string", metavar: "FILE", help: "write a self-contained HTML report ({u}, {r}, {t} are replaced)" },
  JSON_FLAG,
  { name: "json-file", kind: "string", metavar: "NAME", help: "write the final stats as JSON to NAME.json" },
  { name: "only-summary", env: "LOCUST_ONLY_SUMMARY", kind: "bool", help: "no periodic stats table, only the final summary" },
  { name: "stop-timeout", short: "s", env: "LOCUST_STOP_TIMEOUT", kind: "timespan", metavar: "TIME", help: "let in-flight requests finish for TIME at the end; default 0 (cut off)" },
  LOGLEVEL,
  { name: "exit-code-on-error", env: "LOCUST_EXIT_CODE_ON_ERROR", kind: "int", metavar: "N", help: "exit code when any request failed; default 1" },
  ...OPEN_MODEL,
  { name: "threshold", env: "PHAROS_LOAD_THRESHOLDS", kind: "list", metavar: "EXPR", help: "pass/fail criterion, repeatable: 'p99<500', 'fail_rate<0.005', 'overhead_p50<1'; append :abort to stop on failure; exit 99 if any fails" },
  SEED,
  HELP,
  { name: "version", short: "V", kind: "bool", help: "show the version and exit" },
];

export const COMPARE_FLAGS: readonly FlagSpec[] = [
  { name: "a", env: "PHAROS_LOAD_A", kind: "string", metavar: "URL", help: "first target (the baseline)" },
  { name: "b", env: "PHAROS_LOAD_B", kind: "string", metavar: "URL", help: "second target" },
  LOCUSTFILE,
  { name: "users", short: "u", env: "LOCUST_USERS", kind: "int", metavar: "N", help: "connections per slice (autocannon, no think time); default 10" },
  { name: "rounds", env: "PHAROS_LOAD_ROUNDS", kind: "int", metavar: "N", help: "A/B slice pairs, alternating ABBA; default 6" },
  { name: "slice", env: "PHAROS_LOAD_SLICE", kind: "duration", metavar: "TIME", help: "length of one slice; default 2s" },
  { name: "max-fail-rate", env: "PHAROS_LOAD_MAX_FAIL_RATE", kind: "float", metavar: "R", help: "exit 1 when either side's failure rate is above R (a fraction: 0.01 = 1 %); default 0.01" },
  ...OPEN_MODEL,
  JSON_FLAG,
  SEED,
  LOGLEVEL,
  HELP,
];

/** Locust options that exist but mean nothing here: named so the error says why. */
export const UNSUPPORTED_LOCUST_FLAGS: Readonly<Record<string, string>> = {
  master: "distributed mode",
  worker: "distributed mode",
  processes: "distributed mode",
  "expect-workers": "distributed mode",
  "master-host": "distributed mode",
  "master-port": "distributed mode",
  "web-host": "the web UI",
  "web-port": "the web UI",
  autostart: "the web UI",
  autoquit: "the web UI",
  "print-stats": "the web UI",
  tags: "task tags",
  "exclude-tags": "task tags",
  "reset-stats": "resetting stats after spawning",
  "class-picker": "the web UI",
};
