/**
 * `-f NAME|PATH`: a built-in scenario by name (loadtest/scenarios/NAME.yaml or .ts) or a
 * scenario file (.yaml/.yml, .ts/.mts/.js/.mjs). Every problem is a ScenarioError whose message
 * names the file and the path inside it.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { packageRoot } from "../cli/package-root.ts";
import { UsageError } from "../cli/usage-error.ts";
import { compileBody } from "./body-template.ts";
import { resolveEnvRefs } from "./env-refs.ts";
import type { Env } from "./env-refs.ts";
import type { Scenario, Task, UserClass } from "./scenario.ts";
import { scenarioSchema } from "./schema.ts";
import type { ScenarioFile } from "./schema.ts";
import { parseWaitTime } from "./wait-time.ts";

export const BUILTIN_SCENARIOS: readonly string[] = ["litellm-benchmark", "chat-mixed", "embeddings", "cache-heavy"];

/** A scenario that cannot be used: a usage error (exit 2), with the file and path in the message. */
export class ScenarioError extends UsageError {}

function builtinPath(name: string): string {
  const directory = join(packageRoot(), "loadtest", "scenarios");
  const found = [".yaml", ".ts"].map((ext) => join(directory, `${name}${ext}`)).find((path) => existsSync(path));
  if (found === undefined) throw new ScenarioError(`built-in scenario ${name} is missing from ${directory}`);
  return found;
}

async function readScenarioValue(path: string): Promise<unknown> {
  const ext = extname(path).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") {
    try {
      return parseYaml(await readFile(path, "utf8"));
    } catch (error) {
      throw new ScenarioError(`scenario ${path}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if ([".ts", ".mts", ".js", ".mjs"].includes(ext)) {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (error) {
      throw new ScenarioError(`scenario ${path}: cannot be imported: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (module.default === undefined) throw new ScenarioError(`scenario ${path}: has no default export (export default { users: [...] })`);
    return module.default;
  }
  if (ext === ".py") {
    throw new ScenarioError(`scenario ${path}: pharos-load does not run Python locustfiles; write the same thing as a YAML or TypeScript scenario (docs/loadtest.md) or use a built-in: ${BUILTIN_SCENARIOS.join(", ")}`);
  }
  throw new ScenarioError(`scenario ${path}: unknown file type ${JSON.stringify(ext)} (use .yaml, .yml, .ts, .mts, .js or .mjs)`);
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`)).join("") || "(top level)";
}

function validate(value: unknown, source: string): ScenarioFile {
  const result = scenarioSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue: z.core.$ZodIssue) => `  ${issuePath(issue.path)}: ${issue.message}`);
  throw new ScenarioError(`scenario ${source} is invalid:\n${lines.join("\n")}`);
}

function lowerCaseHeaders(headers: Readonly<Record<string, string>> | undefined, env: Env, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = resolveEnvRefs(value, env, `${where}.${name}`);
  return out;
}

function compile(file: ScenarioFile, source: string, name: string, env: Env): Scenario {
  const userClasses = file.users.map((user, u): UserClass => {
    const where = `users[${u}]`;
    const classHeaders = lowerCaseHeaders(user.headers, env, `${where}.headers`);
    let waitTime;
    try {
      waitTime = parseWaitTime(user.wait_time);
    } catch (error) {
      throw new Error(`${where}.wait_time: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const tasks = user.tasks.map((task, t): Task => {
      const taskWhere = `${where}.tasks[${t}]`;
      const headers = { ...classHeaders, ...lowerCaseHeaders(task.headers, env, `${taskWhere}.headers`) };
      const body = task.body === undefined ? undefined : compileBody(task.body, env, `${taskWhere}.body`);
      if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
      return { name: task.name ?? task.path, weight: task.weight, method: task.method, path: task.path, headers, body };
    });
    return { name: user.name, weight: user.weight, waitTime, waitTimeText: user.wait_time, tasks };
  });
  return {
    name,
    description: file.description,
    source,
    host: file.host === undefined ? undefined : resolveEnvRefs(file.host, env, "host"),
    userClasses,
    metrics: file.metrics.map((metric) => ({ name: metric.name, header: metric.header.toLowerCase(), type: metric.type })),
  };
}

export interface LoadScenarioOptions {
  readonly env: Env;
  readonly cwd: string;
  /** Locust's positional user class names: run only these classes. */
  readonly userClassNames?: readonly string[];
}

function selectClasses(scenario: Scenario, names: readonly string[] | undefined): Scenario {
  if (names === undefined || names.length === 0) return scenario;
  const known = scenario.userClasses.map((user) => user.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new ScenarioError(`scenario ${scenario.source} has no user class ${unknown.join(", ")} (it has: ${known.join(", ")})`);
  return { ...scenario, userClasses: scenario.userClasses.filter((user) => names.includes(user.name)) };
}

export async function loadScenario(reference: string, options: LoadScenarioOptions): Promise<Scenario> {
  const builtin = BUILTIN_SCENARIOS.includes(reference);
  const path = builtin ? builtinPath(reference) : resolve(options.cwd, reference);
  if (!builtin && !existsSync(path)) {
    throw new ScenarioError(`scenario ${reference}: no such file, and not a built-in scenario (built-ins: ${BUILTIN_SCENARIOS.join(", ")})`);
  }
  const source = builtin ? `built-in ${reference}` : path;
  const file = validate(await readScenarioValue(path), source);
  let scenario: Scenario;
  try {
    scenario = compile(file, source, file.name ?? basename(path, extname(path)), options.env);
  } catch (error) {
    throw new ScenarioError(`scenario ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return selectClasses(scenario, options.userClassNames);
}
