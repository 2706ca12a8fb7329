/**
 * The bodies of /key/generate, /key/update and /key/delete, validated strictly: a bad field is
 * a 400 that names it (OpenAI `param`), an unknown field too (nothing is silently ignored), and
 * `models` must name model groups that exist.
 */
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import { hashKey } from "../middleware/authenticate.ts";
import { DURATION_HINT, durationSeconds } from "./duration.ts";

/** A key's `duration`: its expiry must be a date (and a PostgreSQL timestamp). */
export const MAX_KEY_DURATION_SECONDS = 100 * 365.25 * 86_400;
/** The largest value of a PostgreSQL integer column. */
const PG_INT_MAX = 2_147_483_647;
/** `budget_duration` is stored in whole seconds in an integer column. */
export const MAX_BUDGET_DURATION_SECONDS = PG_INT_MAX;

/** The problem with a duration (LiteLLM's spelling) outside [1 s, max], or undefined. */
function durationProblem(value: string | number, maxSeconds: number, max: string): string | undefined {
  const seconds = durationSeconds(value);
  if (seconds === undefined) return `expected ${DURATION_HINT}`;
  if (seconds < 1) return `expected at least 1 second (got ${seconds} s)`;
  if (seconds > maxSeconds) return `expected at most ${max} (got ${seconds} s)`;
  return undefined;
}

function boundedDuration(maxSeconds: number, max: string) {
  return z.union([z.string(), z.number()], { error: `expected ${DURATION_HINT}` }).superRefine((value, ctx) => {
    const problem = durationProblem(value, maxSeconds, max);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  });
}

const duration = boundedDuration(MAX_KEY_DURATION_SECONDS, "100 years");
const budgetDuration = boundedDuration(MAX_BUDGET_DURATION_SECONDS, `${MAX_BUDGET_DURATION_SECONDS} seconds (about 68 years)`);

const budget = z.number({ error: "expected a number >= 0" }).min(0, { error: "expected a number >= 0 (USD)" });
const MAX_LIMIT = PG_INT_MAX;
const limit = z
  .number({ error: "expected an integer >= 0" })
  .int({ error: "expected an integer >= 0" })
  .min(0, { error: "expected an integer >= 0" })
  .max(MAX_LIMIT, { error: `expected an integer <= ${MAX_LIMIT}` });

/** Fields both /key/generate and /key/update accept; null clears a field. */
const keyFields = {
  models: z.array(z.string().min(1, { error: "expected a model group name" }), { error: "expected a list of model group names" }).optional(),
  duration: duration.nullable().optional(),
  max_budget: budget.nullable().optional(),
  budget_duration: budgetDuration.nullable().optional(),
  rpm_limit: limit.nullable().optional(),
  tpm_limit: limit.nullable().optional(),
  max_parallel_requests: limit.nullable().optional(),
  metadata: z.record(z.string(), z.unknown(), { error: "expected an object" }).nullable().optional(),
  key_alias: z.string({ error: "expected a string" }).min(1, { error: "expected a non-empty string" }).max(256).nullable().optional(),
  user_id: z.string({ error: "expected a string" }).nullable().optional(),
  team_id: z.string({ error: "expected a string" }).nullable().optional(),
  /** LiteLLM's top-level list of guardrails for the key; kept as metadata.guardrails. */
  guardrails: z.array(z.string().min(1, { error: "expected a guardrail name" }), { error: "expected a list of guardrail names" }).nullable().optional(),
};

export const generateKeySchema = z.strictObject({
  ...keyFields,
  /** A key chosen by the caller instead of a generated one. */
  key: z.string({ error: "expected a string" }).regex(/^sk-[\w.-]{8,200}$/, { error: "expected 'sk-' followed by at least 8 letters, digits, '-', '_' or '.'" }).optional(),
});

export const updateKeySchema = z.strictObject({
  ...keyFields,
  key: z.string({ error: "expected the key (sk-…) or its token" }).min(1),
});

export const deleteKeysSchema = z
  .strictObject({
    keys: z.array(z.string().min(1), { error: "expected a list of keys or tokens" }).optional(),
    key_aliases: z.array(z.string().min(1), { error: "expected a list of key aliases" }).optional(),
  })
  .refine((body) => (body.keys?.length ?? 0) + (body.key_aliases?.length ?? 0) > 0, { error: "give 'keys' or 'key_aliases' (a non-empty list)", path: ["keys"] });

export type GenerateKeyRequest = z.output<typeof generateKeySchema>;
export type UpdateKeyRequest = z.output<typeof updateKeySchema>;
export type DeleteKeysRequest = z.output<typeof deleteKeysSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out;
}

/** Parses `body` with `schema`; every problem named by its field, in one 400. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") return `${issue.keys.map((key) => `'${key}'`).join(", ")}: not a field Pharos accepts here`;
    return `'${pathOf(issue.path) || "(body)"}': ${issue.message}`;
  });
  const first = result.error.issues[0];
  const param = first === undefined ? undefined : first.code === "unrecognized_keys" ? first.keys[0] : pathOf(first.path) || undefined;
  throw new GatewayError("invalid_request", `Invalid request body: ${problems.join("; ")}`, param === undefined ? {} : { param });
}

/**
 * The key's metadata with LiteLLM's top-level `guardrails` folded in as `metadata.guardrails`
 * (where the guardrails stage reads a key's choice); `null` removes it, undefined keeps it.
 */
export function metadataWithGuardrails(metadata: Readonly<Record<string, unknown>>, guardrails: readonly string[] | null | undefined): Record<string, unknown> {
  if (guardrails === undefined) return { ...metadata };
  const { guardrails: _previous, ...rest } = metadata;
  return guardrails === null ? rest : { ...rest, guardrails: [...guardrails] };
}

/** Model names that mean "every model group" (LiteLLM's spelling). */
const ALL_MODELS = new Set(["all-proxy-models", "*"]);

/** The models list as stored (empty = all); an unknown group is a 400 naming its index. */
export function checkModels(models: readonly string[] | undefined, known: ReadonlySet<string>): string[] | undefined {
  if (models === undefined) return undefined;
  if (models.some((model) => ALL_MODELS.has(model))) return [];
  models.forEach((model, index) => {
    if (!known.has(model)) {
      const list = [...known].sort();
      throw new GatewayError("invalid_request", `'models[${index}]': unknown model group '${model}'. Available model groups: ${list.join(", ") || "(none)"}`, { param: `models[${index}]` });
    }
  });
  return [...new Set(models)];
}

/** The sha256 of a key given as the key itself or as its token (the hash /key/generate returned). */
export function keyHashOf(keyOrToken: string): string {
  return /^[0-9a-f]{64}$/.test(keyOrToken) ? keyOrToken : hashKey(keyOrToken);
}
