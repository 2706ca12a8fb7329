/**
 * Command-line parsing for `pharos`: subcommands, their flags (LiteLLM's spellings accepted,
 * e.g. --num_workers), and clear errors for anything unknown.
 */
import { parseArgs } from "node:util";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const USAGE = `Usage:
  pharos serve [--config FILE] [--port 4000] [--host 0.0.0.0] [--health-port 4001]
               [--num-workers N] [--max-requests-before-restart N] [--drain-timeout SECONDS]
  pharos check-config FILE
  pharos mock-upstream [--port 8090] [--host 127.0.0.1] [--latency-ms X] [--chunk-delay-ms Y]
  pharos --version

With no --config, serve runs the embedded default: the model group "fake-openai-endpoint",
answered in-process. LiteLLM's flags are accepted too: pharos --config config.yaml --port 4000
--num_workers 4 --max_requests_before_restart 10000 (--run_gunicorn is accepted and ignored).`;

/** LiteLLM spells flags with underscores; Pharos with dashes. Both work. */
const ALIASES: Record<string, string> = {
  "--num_workers": "--num-workers",
  "--max_requests_before_restart": "--max-requests-before-restart",
  "--health_port": "--health-port",
  "--drain_timeout": "--drain-timeout",
  "--latency_ms": "--latency-ms",
  "--chunk_delay_ms": "--chunk-delay-ms",
};

function normalize(args: readonly string[]): string[] {
  return args.map((arg) => {
    const [name, ...rest] = arg.split("=");
    const alias = name === undefined ? undefined : ALIASES[name];
    if (alias === undefined) return arg;
    return rest.length > 0 ? `${alias}=${rest.join("=")}` : alias;
  });
}

/** An integer from the command line or the environment (`label` names where it came from), at least `min`. */
export function integerFrom(label: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${label}: expected an integer >= ${min}, got "${value}"`);
  return Number(value);
}

function integer(name: string, value: string | undefined, min = 0): number | undefined {
  return integerFrom(`--${name}`, value, min);
}

/** The highest TCP port. */
const MAX_PORT = 65535;

/**
 * A port from the command line or the environment (`label` names where it came from): an integer
 * from `min` to 65535. 0 (any free port) only where nobody needs to know the port in advance.
 */
export function portFrom(label: string, value: string | undefined, min: 0 | 1): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > MAX_PORT) throw new UsageError(`${label}: expected a port number ${min}–${MAX_PORT}, got "${value}"`);
  return Number(value);
}

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) throw new UsageError(`--${name}: expected a number >= 0, got "${value}"`);
  return parsed;
}

export interface ServeArgs {
  readonly command: "serve";
  readonly config: string | undefined;
  readonly port: number | undefined;
  readonly host: string | undefined;
  readonly healthPort: number | undefined;
  readonly numWorkers: number | undefined;
  readonly maxRequestsBeforeRestart: number | undefined;
  readonly drainTimeoutSeconds: number | undefined;
  readonly debug: boolean;
}

export interface CheckConfigArgs {
  readonly command: "check-config";
  readonly file: string;
}

export interface MockUpstreamArgs {
  readonly command: "mock-upstream";
  readonly port: number;
  readonly host: string;
  readonly latencyMs: number;
  readonly chunkDelayMs: number;
}

export type CliArgs = ServeArgs | CheckConfigArgs | MockUpstreamArgs | { readonly command: "help" } | { readonly command: "version" };

/** Runs node's parseArgs, turning its errors (unknown flag, missing value) into UsageErrors. */
function guard<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function parseCli(argv: readonly string[]): CliArgs {
  const args = normalize(argv);
  const first = args[0];
  if (first === undefined || first === "help" || first === "--help" || first === "-h") return { command: "help" };
  if (first === "--version" || first === "-v" || first === "version") return { command: "version" };
  // `pharos --config x.yaml --port 4000` (LiteLLM's form, no subcommand) means serve.
  const [command, rest] = first.startsWith("-") ? ["serve", args] : [first, args.slice(1)];
  switch (command) {
    case "serve": {
      const { values } = guard(() =>
        parseArgs({
          args: rest,
          strict: true,
          options: {
        config: { type: "string", short: "c" },
        port: { type: "string", short: "p" },
        host: { type: "string" },
        "health-port": { type: "string" },
        "num-workers": { type: "string" },
        "max-requests-before-restart": { type: "string" },
        "drain-timeout": { type: "string" },
        "run_gunicorn": { type: "boolean" },
        "detailed_debug": { type: "boolean" },
        debug: { type: "boolean" },
          },
        }),
      );
      return {
        command: "serve",
        config: values.config,
        port: portFrom("--port", values.port, 0),
        host: values.host,
        // Probes must know where to look: no "any free port" for the health app.
        healthPort: portFrom("--health-port", values["health-port"], 1),
        numWorkers: integer("num-workers", values["num-workers"], 1),
        maxRequestsBeforeRestart: integer("max-requests-before-restart", values["max-requests-before-restart"]),
        drainTimeoutSeconds: number("drain-timeout", values["drain-timeout"]),
        debug: values.debug === true || values["detailed_debug"] === true,
      };
    }
    case "check-config": {
      const { positionals, values } = guard(() => parseArgs({ args: rest, strict: true, allowPositionals: true, options: { config: { type: "string", short: "c" } } }));
      const file = values.config ?? positionals[0];
      if (file === undefined) throw new UsageError("check-config needs a config file: pharos check-config config.yaml");
      if (positionals.length > 1) throw new UsageError(`check-config takes one file, got: ${positionals.join(" ")}`);
      return { command: "check-config", file };
    }
    case "mock-upstream": {
      const { values } = guard(() =>
        parseArgs({
          args: rest,
          strict: true,
          options: {
            port: { type: "string", short: "p" },
            host: { type: "string" },
            "latency-ms": { type: "string" },
            "chunk-delay-ms": { type: "string" },
          },
        }),
      );
      return {
        command: "mock-upstream",
        port: portFrom("--port", values.port, 0) ?? 8090,
        host: values.host ?? "127.0.0.1",
        latencyMs: number("latency-ms", values["latency-ms"]) ?? 0,
        chunkDelayMs: number("chunk-delay-ms", values["chunk-delay-ms"]) ?? 0,
      };
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
