/**
 * Flag values resolved with Locust's precedence — config files < environment < command line —
 * checked when they are resolved (every flag that has a value, read later or not) and converted
 * on access, with errors that say which flag and where the bad value came from.
 */
import type { FlagSpec } from "./flag-spec.ts";
import type { ConfEntry } from "./locust-conf.ts";
import { unknownFlagError } from "./parse-argv.ts";
import type { ParsedArgv } from "./parse-argv.ts";
import { parseDurationSeconds, parseTimespan } from "./timespan.ts";
import { UsageError } from "./usage-error.ts";

interface Sourced {
  readonly values: readonly string[];
  /** "the command line", "LOCUST_USERS", "locust.conf:3". */
  readonly source: string;
}

export interface ConfFile {
  readonly path: string;
  readonly entries: readonly ConfEntry[];
}

const TRUE = ["true", "yes", "on", "1"];
const FALSE = ["false", "no", "off", "0"];

function label(spec: FlagSpec): string {
  return spec.short === undefined ? `--${spec.name}` : `-${spec.short}/--${spec.name}`;
}

export class FlagValues {
  readonly positionals: readonly string[];
  private readonly specs: ReadonlyMap<string, FlagSpec>;
  private readonly resolved = new Map<string, Sourced>();

  /** `files` in increasing precedence; `defaults` (a command's own defaults) below them all. */
  constructor(
    specs: readonly FlagSpec[],
    argv: ParsedArgv,
    env: Readonly<Record<string, string | undefined>>,
    files: readonly ConfFile[],
    defaults: Readonly<Record<string, string>> = {},
  ) {
    this.specs = new Map(specs.map((spec) => [spec.name, spec]));
    this.positionals = argv.positionals;
    for (const [name, value] of Object.entries(defaults)) this.resolved.set(name, { values: [value], source: "the command's defaults" });
    for (const file of files) {
      for (const entry of file.entries) {
        if (!this.specs.has(entry.key)) throw new UsageError(`${file.path}:${entry.line}: ${unknownFlagError(`--${entry.key}`, specs).message}`);
        this.resolved.set(entry.key, { values: entry.values, source: `${file.path}:${entry.line}` });
      }
    }
    for (const spec of specs) {
      const value = spec.env === undefined ? undefined : env[spec.env];
      if (value !== undefined && value !== "") this.resolved.set(spec.name, { values: spec.kind === "list" ? value.split(";").map((v) => v.trim()).filter((v) => v !== "") : [value], source: spec.env ?? "" });
    }
    for (const [name, values] of argv.values) this.resolved.set(name, { values, source: "the command line" });
    for (const spec of specs) this.check(spec);
  }

  has(name: string): boolean {
    return this.resolved.has(name);
  }

  string(name: string): string | undefined {
    const { spec, value } = this.single(name);
    if (value === undefined || spec.choices === undefined) return value;
    const chosen = spec.choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
    if (chosen === undefined) throw this.invalid(name, value, `not one of ${spec.choices.join(", ")}`);
    return chosen;
  }

  bool(name: string): boolean {
    const { value } = this.single(name);
    if (value === undefined) return false;
    if (TRUE.includes(value.toLowerCase())) return true;
    if (FALSE.includes(value.toLowerCase())) return false;
    throw this.invalid(name, value, "not a boolean (true/false, yes/no, on/off, 1/0)");
  }

  /** int and float flags. */
  number(name: string): number | undefined {
    const { spec, value } = this.single(name);
    if (value === undefined) return undefined;
    const pattern = spec.kind === "int" ? /^-?\d+$/ : /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
    if (!pattern.test(value.trim())) throw this.invalid(name, value, spec.kind === "int" ? "not an integer" : "not a number");
    return Number(value);
  }

  /** timespan (Locust's whole seconds) and duration (ours, fractions allowed) flags, in seconds. */
  seconds(name: string): number | undefined {
    const { spec, value } = this.single(name);
    if (value === undefined) return undefined;
    try {
      return spec.kind === "timespan" ? parseTimespan(value) : parseDurationSeconds(value);
    } catch (error) {
      throw this.invalid(name, value, `not a time span: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  list(name: string): readonly string[] {
    return this.resolved.get(name)?.values ?? [];
  }

  /** A UsageError about the value of `name`, naming where it came from. */
  invalid(name: string, value: string, why: string): UsageError {
    const spec = this.specOf(name);
    const source = this.resolved.get(name)?.source ?? "the command line";
    return new UsageError(`invalid value for ${label(spec)} from ${source}: ${JSON.stringify(value)} is ${why}`);
  }

  /**
   * Converts a flag's value the way reading it would, so that a bad value is an error even when
   * the command never reads that flag (`--headless=maybe`, `--arrival` without `--rate`).
   */
  private check(spec: FlagSpec): void {
    if (!this.resolved.has(spec.name)) return;
    if (spec.kind === "bool") this.bool(spec.name);
    else if (spec.kind === "int" || spec.kind === "float") this.number(spec.name);
    else if (spec.kind === "timespan" || spec.kind === "duration") this.seconds(spec.name);
    else if (spec.kind === "string") this.string(spec.name);
  }

  private specOf(name: string): FlagSpec {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new Error(`no flag named ${name}`);
    return spec;
  }

  private single(name: string): { spec: FlagSpec; value: string | undefined } {
    const spec = this.specOf(name);
    return { spec, value: this.resolved.get(name)?.values.at(-1) };
  }
}
