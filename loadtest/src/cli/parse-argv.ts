/**
 * argv → raw flag values, argparse style: `--name value`, `--name=value`, `-x value`, `-xvalue`,
 * boolean flags without a value, `--` ends the flags. Anything unknown is a UsageError that
 * says so (and suggests the closest flag).
 */
import type { FlagSpec } from "./flag-spec.ts";
import { UNSUPPORTED_LOCUST_FLAGS } from "./flag-spec.ts";
import { UsageError } from "./usage-error.ts";
import { editDistance } from "../../../gateway/src/config/nearest-key.ts";

export interface ParsedArgv {
  /** Long flag name → values in the order given (booleans hold "true"). */
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly positionals: readonly string[];
}

export function unknownFlagError(flag: string, specs: readonly FlagSpec[]): UsageError {
  const name = flag.replace(/^-+/, "");
  const unsupported = UNSUPPORTED_LOCUST_FLAGS[name];
  if (unsupported !== undefined) return new UsageError(`${flag} is a Locust option for ${unsupported}, which pharos-load does not have`);
  const closest = specs.map((spec) => ({ spec, d: editDistance(name, spec.name) })).sort((x, y) => x.d - y.d)[0];
  const hint = closest !== undefined && closest.d <= 2 ? ` (did you mean --${closest.spec.name}?)` : "";
  return new UsageError(`unknown flag ${flag}${hint}; see --help`);
}

export function parseArgv(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgv {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const add = (spec: FlagSpec, value: string): void => {
    values.set(spec.name, [...(values.get(spec.name) ?? []), value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const equals = long ? arg.indexOf("=") : -1;
    const key = long ? arg.slice(2, equals === -1 ? undefined : equals) : arg.slice(1, 2);
    const spec = specs.find((candidate) => (long ? candidate.name === key : candidate.short === key));
    if (spec === undefined) throw unknownFlagError(long ? `--${key}` : `-${key}`, specs);
    const attached = long ? (equals === -1 ? undefined : arg.slice(equals + 1)) : arg.length > 2 ? arg.slice(2) : undefined;
    if (spec.kind === "bool") {
      add(spec, attached ?? "true");
      continue;
    }
    const value = attached ?? argv[i + 1];
    if (value === undefined || (attached === undefined && value.startsWith("-") && !/^-\d/.test(value))) {
      throw new UsageError(`${arg} needs a value${spec.metavar === undefined ? "" : ` (${spec.metavar})`}`);
    }
    if (attached === undefined) i += 1;
    add(spec, value);
  }
  return { values, positionals };
}
