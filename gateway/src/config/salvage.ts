/**
 * What parsed of a config the schema refused: the same data with each refused value taken out
 * (an unknown key, a value of the wrong type), so the checks that come after the schema (fallbacks
 * and aliases naming model groups, providers, deployment ids) still run, and one run reports
 * every problem. A value taken out could only cause false problems under its own path, which
 * `problemsOutside` drops: the schema already reported that path.
 *
 * Nothing is salvaged when taking a value out would change what the later checks see elsewhere:
 * model_list itself or one of its entries (every model group name counts), or a required key.
 */
import type { z } from "zod";
import { formatPath, problemPath } from "./path.ts";
import type { PathPart } from "./path.ts";

export interface Salvaged<T> {
  readonly value: T;
  /** The config paths taken out, formatted (`model_list[0].litellm_params.api_base`). */
  readonly removed: readonly string[];
}

/** Rounds of take-out-and-parse: a value taken out can reveal a problem its presence hid (a union, a default). */
const MAX_ROUNDS = 8;

export function salvage<T>(schema: z.ZodType<T>, data: unknown): Salvaged<T> | undefined {
  const current: unknown = structuredClone(data);
  const removed: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return { value: parsed.data, removed };
    /** Taken out this round: several problems can share one key (`tags[0]`, `tags[1]` → `tags`). */
    const thisRound: string[] = [];
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((part): part is PathPart => typeof part !== "symbol");
      const targets = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...path, key]) : [path];
      for (const target of targets) {
        const key = removableKey(target);
        if (key === undefined) return undefined;
        const formatted = formatPath(key);
        if (isAtOrUnder(formatted, thisRound)) continue;
        if (!removeAt(current, key)) return undefined;
        thisRound.push(formatted);
      }
    }
    removed.push(...thisRound);
  }
  return undefined;
}

/**
 * The object key to take out for a problem at `path`: the path up to its last key, so a bad list
 * item goes with the key holding the list (`fallbacks[0].a[1]` → `fallbacks[0].a`). Undefined
 * when that would take out model_list (or nothing at all).
 */
function removableKey(path: readonly PathPart[]): PathPart[] | undefined {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] === "number") end -= 1;
  if (end === 0) return undefined;
  const key = path.slice(0, end);
  return key.length === 1 && key[0] === "model_list" ? undefined : key;
}

/** Deletes the key at `path`; false when it is not there (a required key the schema misses). */
function removeAt(root: unknown, path: readonly PathPart[]): boolean {
  let node: unknown = root;
  for (const part of path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return false;
    node = (node as Record<PathPart, unknown>)[part];
  }
  const last = path[path.length - 1]!;
  if (node === null || typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, last)) return false;
  delete (node as Record<PathPart, unknown>)[last];
  return true;
}

/** Whether `path` is one of `paths` or lies under one (`a.b[0].c` is under `a.b`). */
function isAtOrUnder(path: string, paths: readonly string[]): boolean {
  return paths.some((key) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`));
}

/** The problems not at or under one of `paths` (problems there are about a value the user did not write, or said already). */
export function problemsOutside(paths: readonly string[], problems: readonly string[]): string[] {
  if (paths.length === 0) return [...problems];
  return problems.filter((problem) => !isAtOrUnder(problemPath(problem), paths));
}
