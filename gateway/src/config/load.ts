/**
 * Reads a LiteLLM `config.yaml`: YAML → `os.environ/NAME` references → strict schema →
 * seed-block translation and cross-references, which run on what parsed even when the schema
 * found problems (salvage.ts). Every problem is reported with its config path, all at once.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { configSchema, NOT_YET_IMPLEMENTED } from "./schema.ts";
import type { RawConfig } from "./schema.ts";
import { normalizeConfig } from "./normalize.ts";
import { EMBEDDED_DEFAULT_YAML } from "./embedded-default.ts";
import { modelInfoKeyWarnings } from "./model-info-keys.ts";
import { nearestKey } from "./nearest-key.ts";
import { formatPath, problemPath } from "./path.ts";
import type { PathPart } from "./path.ts";
import { problemsOutside, salvage } from "./salvage.ts";

export interface LoadedConfig {
  /** Where the config came from: a file path, or "embedded default". */
  readonly source: string;
  readonly config: RawConfig;
  /** One line per accepted-but-unimplemented key, unknown model_info key and translated seed block. */
  readonly warnings: readonly string[];
}

/** What parsed of a config with problems, for the checks that come later (check-config lists them all). */
export interface PartialConfig {
  /** The config with the values the schema refused taken out, normalized. */
  readonly config: RawConfig;
  /** The config paths taken out: later problems at or under them are not the user's (salvage.ts). */
  readonly removed: readonly string[];
}

export class ConfigError extends Error {
  readonly source: string;
  readonly problems: readonly string[];
  /** The warnings of the same config (check-config shows them with the problems). */
  readonly warnings: readonly string[];
  readonly partial: PartialConfig | undefined;
  constructor(source: string, problems: readonly string[], details: { warnings?: readonly string[]; partial?: PartialConfig } = {}) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.source = source;
    this.problems = problems;
    this.warnings = details.warnings ?? [];
    this.partial = details.partial;
  }
}

const ENV_REF = "os.environ/";

/** The same path with list indexes erased, as NOT_YET_IMPLEMENTED writes them. */
function genericPath(path: readonly PathPart[]): string {
  return formatPath(path.map((part) => (typeof part === "number" ? -1 : part))).replace(/\[-1\]/g, "[]");
}

/** Replaces every `os.environ/NAME` string; a missing variable is a problem at that path. */
export function resolveEnvRefs(value: unknown, env: NodeJS.ProcessEnv, problems: string[], path: PathPart[] = []): unknown {
  if (typeof value === "string") {
    if (!value.startsWith(ENV_REF)) return value;
    const name = value.slice(ENV_REF.length);
    const resolved = env[name];
    if (resolved === undefined) {
      problems.push(`${formatPath(path)}: environment variable ${name} is not set (referenced as ${value})`);
      return value;
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.map((item, index) => resolveEnvRefs(item, env, problems, [...path, index]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveEnvRefs(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}

function knownKeysAt(path: readonly PathPart[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const part of path) {
    const next = childSchema(schema, part);
    if (next === undefined) return [];
    schema = next;
  }
  const shape = objectShape(schema);
  return shape === undefined ? [] : Object.keys(shape);
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    const def = current.def as { innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.in !== undefined && (current.def as { type?: string }).type === "pipe") current = def.in;
    else break;
  }
  return current;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrap(schema);
  const def = inner.def as { type?: string; shape?: Record<string, z.ZodType> };
  return def.type === "object" ? def.shape : undefined;
}

function childSchema(schema: z.ZodType, part: PathPart): z.ZodType | undefined {
  const inner = unwrap(schema);
  const def = inner.def as { type?: string; element?: z.ZodType; valueType?: z.ZodType };
  if (typeof part === "number") return def.type === "array" ? def.element : undefined;
  if (def.type === "record") return def.valueType;
  return objectShape(inner)?.[part];
}

function describeIssues(error: z.ZodError): string[] {
  const problems: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((part): part is PathPart => typeof part !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(path);
      for (const key of issue.keys) {
        const suggestion = nearestKey(key, known);
        problems.push(`${formatPath([...path, key])}: unknown key${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}`);
      }
      continue;
    }
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Report the branch that got furthest rather than a generic "invalid input".
      problems.push(`${formatPath(path)}: ${issue.message}`);
      continue;
    }
    problems.push(`${formatPath(path)}: ${issue.message}`);
  }
  return problems;
}

function collectUnimplemented(value: unknown, path: PathPart[], warnings: string[]): void {
  if (value === null || typeof value !== "object") return;
  const entries: Array<[PathPart, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item] as [PathPart, unknown])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const here = [...path, key];
    const reason = NOT_YET_IMPLEMENTED[genericPath(here)];
    if (reason !== undefined && item !== undefined) warnings.push(`${formatPath(here)}: accepted but not implemented yet (${reason})`);
    collectUnimplemented(item, here, warnings);
  }
}

/** Reads a file named in `include:` (relative to the including config). */
export type IncludeReader = (name: string) => string;

/** One YAML/JSON document as a mapping, or the problems that prevent it. */
function parseMapping(text: string, where: string): { data?: Record<string, unknown>; problems: string[] } {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) return { problems: document.errors.map((error) => `${where}YAML: ${error.message.split("\n")[0]}`) };
  const data: unknown = document.toJS() ?? {};
  if (data === null || typeof data !== "object" || Array.isArray(data)) return { problems: [`${where}(root): expected a mapping with model_list, router_settings, …`] };
  return { data: data as Record<string, unknown>, problems: [] };
}

/**
 * LiteLLM's `include: [file, …]`: each file's keys are merged into the config, lists appended
 * (model_list, guardrails), anything else replaced; then `include` is gone. Included files
 * may not include further files.
 */
function mergeIncludes(data: Record<string, unknown>, readInclude: IncludeReader | undefined, problems: string[]): Record<string, unknown> {
  const names = data["include"];
  if (names === undefined) return data;
  const { include: _include, ...merged } = data;
  if (!Array.isArray(names) || !names.every((name) => typeof name === "string")) {
    problems.push("include: expected a list of file names");
    return merged;
  }
  for (const [index, name] of (names as string[]).entries()) {
    const where = `include[${index}] (${name}): `;
    if (readInclude === undefined) {
      problems.push(`${where}only a config file can include others`);
      continue;
    }
    let text: string;
    try {
      text = readInclude(name);
    } catch (error) {
      problems.push(`${where}cannot read the file: ${(error as Error).message}`);
      continue;
    }
    const included = parseMapping(text, where);
    problems.push(...included.problems);
    for (const [key, value] of Object.entries(included.data ?? {})) {
      if (key === "include") problems.push(`${where}include: an included file cannot include further files`);
      else if (Array.isArray(value) && Array.isArray(merged[key])) merged[key] = [...(merged[key] as unknown[]), ...value];
      else merged[key] = value;
    }
  }
  return merged;
}

/** Parses config text (YAML or JSON). Throws ConfigError listing every problem. */
export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env, readInclude?: IncludeReader): LoadedConfig {
  const root = parseMapping(text, "");
  if (root.data === undefined) throw new ConfigError(source, root.problems);
  const includeProblems: string[] = [];
  const data = mergeIncludes(root.data, readInclude, includeProblems);
  if (includeProblems.length > 0) throw new ConfigError(source, includeProblems);
  const envWithConfigVars = withEnvironmentVariables(data, env);
  const problems: string[] = [];
  const resolved = resolveEnvRefs(data, envWithConfigVars, problems);
  const warnings: string[] = [];
  collectUnimplemented(resolved, [], warnings);
  warnings.push(...modelInfoKeyWarnings(resolved));
  const parsed = configSchema.safeParse(resolved);
  // A value whose variable is unset is still "os.environ/NAME": the schema's word on it adds nothing.
  if (!parsed.success) problems.push(...problemsOutside(problems.map(problemPath), describeIssues(parsed.error)));
  // With schema problems, the checks after the schema run on what parsed: one run, every problem.
  const checkable = parsed.success ? { value: parsed.data, removed: [] } : salvage(configSchema, resolved);
  if (checkable === undefined) throw new ConfigError(source, problems, { warnings });
  const normalized = normalizeConfig(checkable.value, envWithConfigVars);
  problems.push(...problemsOutside(checkable.removed, normalized.problems));
  warnings.push(...normalized.warnings);
  if (problems.length > 0) throw new ConfigError(source, problems, { warnings, partial: { config: normalized.config, removed: checkable.removed } });
  return { source, config: normalized.config, warnings };
}

/** LiteLLM's `environment_variables:` block sets variables that `os.environ/` references may use. */
function withEnvironmentVariables(data: Record<string, unknown>, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const block = data["environment_variables"];
  if (block === null || typeof block !== "object" || Array.isArray(block)) return env;
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(block)) {
    if (merged[name] === undefined && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) {
      merged[name] = String(value);
    }
  }
  return merged;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseConfigText(text, path, env, (name) => readFileSync(resolve(dirname(path), name), "utf8"));
}

/** The config `pharos serve` runs without `--config`: one in-process fake model group. */
export function loadEmbeddedDefault(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return parseConfigText(EMBEDDED_DEFAULT_YAML, "embedded default", env);
}
