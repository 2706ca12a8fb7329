/**
 * Virtual-key administration, as LiteLLM serves it (master key only; a virtual key may read
 * its own /key/info):
 * - POST /key/generate  {models, duration, max_budget, budget_duration, rpm_limit, tpm_limit,
 *                        max_parallel_requests, metadata, key_alias, user_id, team_id, key?}
 *                       → the key in clear (the only time it is shown) and its token (sha256)
 * - GET  /key/info?key=<key or token>
 * - POST /key/update    {key, …fields to change (null clears)}
 * - POST /key/delete    {keys: [...], key_aliases: [...]}
 * - GET  /key/list?page=1&size=10[&return_full_object=true]
 */
import type Router from "@koa/router";
import { withDatabase } from "../db/db-errors.ts";
import { GatewayError } from "../errors.ts";
import { durationSeconds } from "../keys/duration.ts";
import type { KeyCache } from "../keys/key-cache.ts";
import { displayName, keyInfoBody, newKey } from "../keys/key-record.ts";
import type { KeyRecord } from "../keys/key-record.ts";
import { checkModels, deleteKeysSchema, generateKeySchema, keyHashOf, metadataWithGuardrails, parseBody, updateKeySchema } from "../keys/key-requests.ts";
import { DuplicateKeyError } from "../keys/key-store.ts";
import type { KeyPatch, KeyStore } from "../keys/key-store.ts";
import { hashKey, requireMaster } from "../middleware/authenticate.ts";
import type { PharosContext, RequestState } from "../request-state.ts";
import { readJsonBody } from "./read-body.ts";

export interface KeyRoutesDeps {
  readonly store: KeyStore;
  readonly cache: KeyCache;
  /** Model groups a key may name (config and stored models). */
  readonly knownGroups: () => ReadonlySet<string>;
  readonly bodyLimitBytes: number;
}

const ADMIN_BODY_LIMIT = 1024 * 1024;
const MAX_PAGE_SIZE = 100;

function expiryOf(duration: string | number | null | undefined, now: number): Date | null | undefined {
  if (duration === undefined) return undefined;
  if (duration === null) return null;
  return new Date(now + durationSeconds(duration)! * 1000);
}

function duplicate(error: unknown): unknown {
  if (error instanceof DuplicateKeyError) return new GatewayError("invalid_request", `'${error.field}': ${error.message}`, { param: error.field });
  return error;
}

function positiveInt(ctx: PharosContext, name: string, fallback: number, max: number): number {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new GatewayError("invalid_request", `'${name}': expected an integer from 1 to ${max}`, { param: name });
  }
  return value;
}

export function keyRoutes(router: Router<RequestState>, deps: KeyRoutesDeps): void {
  const { store, cache } = deps;
  const limit = Math.min(deps.bodyLimitBytes, ADMIN_BODY_LIMIT);

  router.post("/key/generate", async (ctx) => {
    ctx.state.route = "key_admin";
    requireMaster(ctx);
    const body = parseBody(generateKeySchema, await readJsonBody(ctx, limit));
    const models = checkModels(body.models, deps.knownGroups()) ?? [];
    const key = body.key ?? newKey();
    const budgetSeconds = body.budget_duration == null ? null : Math.round(durationSeconds(body.budget_duration)!);
    const record = await withDatabase(() =>
      store
        .create({
          keyHash: hashKey(key),
          keyName: displayName(key),
          keyAlias: body.key_alias ?? null,
          models,
          maxBudget: body.max_budget ?? null,
          budgetDuration: body.budget_duration == null ? null : String(body.budget_duration),
          budgetDurationSeconds: budgetSeconds,
          rpmLimit: body.rpm_limit ?? null,
          tpmLimit: body.tpm_limit ?? null,
          maxParallelRequests: body.max_parallel_requests ?? null,
          metadata: metadataWithGuardrails(body.metadata ?? {}, body.guardrails),
          userId: body.user_id ?? null,
          teamId: body.team_id ?? null,
          expiresAt: expiryOf(body.duration, Date.now()) ?? null,
        })
        .catch((error: unknown) => Promise.reject(duplicate(error))),
    );
    cache.put(record);
    ctx.body = { key, ...keyInfoBody(record), duration: body.duration ?? null };
  });

  router.get("/key/info", async (ctx) => {
    ctx.state.route = "key_admin";
    const asked = typeof ctx.query["key"] === "string" && ctx.query["key"] !== "" ? keyHashOf(ctx.query["key"]) : undefined;
    const auth = ctx.state.auth;
    const own = auth?.kind === "virtual" ? auth.keyHash : undefined;
    if (own === undefined || (asked !== undefined && asked !== own)) requireMaster(ctx);
    const keyHash = asked ?? own;
    if (keyHash === undefined) throw new GatewayError("invalid_request", "'key': give the key (or its token) to describe", { param: "key" });
    const record = await withDatabase(() => store.find(keyHash));
    if (record === undefined) throw new GatewayError("resource_not_found", "No such key (it may have been deleted)", { param: "key" });
    ctx.body = { key: record.keyHash, info: keyInfoBody(record) };
  });

  /** The stored metadata of a key (for an update that changes only its guardrails). */
  const currentMetadata = async (keyHash: string): Promise<Readonly<Record<string, unknown>>> => {
    const record = await withDatabase(() => store.find(keyHash));
    if (record === undefined) throw new GatewayError("resource_not_found", "No such key (it may have been deleted)", { param: "key" });
    return record.metadata;
  };

  router.post("/key/update", async (ctx) => {
    ctx.state.route = "key_admin";
    requireMaster(ctx);
    const body = parseBody(updateKeySchema, await readJsonBody(ctx, limit));
    const keyHash = keyHashOf(body.key);
    const models = checkModels(body.models, deps.knownGroups());
    const patch: KeyPatch = {
      ...(body.key_alias !== undefined ? { keyAlias: body.key_alias } : {}),
      ...(models !== undefined ? { models } : {}),
      ...(body.max_budget !== undefined ? { maxBudget: body.max_budget } : {}),
      ...(body.budget_duration !== undefined
        ? { budgetDuration: body.budget_duration === null ? null : String(body.budget_duration), budgetDurationSeconds: body.budget_duration === null ? null : Math.round(durationSeconds(body.budget_duration)!) }
        : {}),
      ...(body.rpm_limit !== undefined ? { rpmLimit: body.rpm_limit } : {}),
      ...(body.tpm_limit !== undefined ? { tpmLimit: body.tpm_limit } : {}),
      ...(body.max_parallel_requests !== undefined ? { maxParallelRequests: body.max_parallel_requests } : {}),
      ...(body.metadata !== undefined || body.guardrails !== undefined ? { metadata: metadataWithGuardrails(body.metadata ?? (await currentMetadata(keyHash)), body.guardrails) } : {}),
      ...(body.user_id !== undefined ? { userId: body.user_id } : {}),
      ...(body.team_id !== undefined ? { teamId: body.team_id } : {}),
      ...(body.duration !== undefined ? { expiresAt: expiryOf(body.duration, Date.now()) ?? null } : {}),
    };
    const record: KeyRecord | undefined = await withDatabase(() => store.update(keyHash, patch).catch((error: unknown) => Promise.reject(duplicate(error))));
    if (record === undefined) throw new GatewayError("resource_not_found", "No such key (it may have been deleted)", { param: "key" });
    cache.put(record);
    ctx.body = { key: record.keyHash, ...keyInfoBody(record) };
  });

  router.post("/key/delete", async (ctx) => {
    ctx.state.route = "key_admin";
    requireMaster(ctx);
    const body = parseBody(deleteKeysSchema, await readJsonBody(ctx, limit));
    const hashes = (body.keys ?? []).map(keyHashOf);
    const deleted = await withDatabase(() => store.delete(hashes, body.key_aliases ?? []));
    cache.forget([...hashes, ...deleted]);
    if (deleted.length === 0) throw new GatewayError("resource_not_found", "None of the keys given exist (they may have been deleted already)", { param: "keys" });
    ctx.body = { deleted_keys: deleted };
  });

  router.get("/key/list", async (ctx) => {
    ctx.state.route = "key_admin";
    requireMaster(ctx);
    const page = positiveInt(ctx, "page", 1, 1_000_000);
    const size = positiveInt(ctx, "size", 10, MAX_PAGE_SIZE);
    const full = ctx.query["return_full_object"] === "true";
    const { keys, total } = await withDatabase(() => store.list(page, size));
    ctx.body = {
      keys: full ? keys.map(keyInfoBody) : keys.map((record) => record.keyHash),
      total_count: total,
      current_page: page,
      total_pages: Math.ceil(total / size),
    };
  });
}
