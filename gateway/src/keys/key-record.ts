/**
 * A virtual key as stored (table pharos_keys): only the sha256 of the key is kept, never the
 * key itself; `key_name` is its display form (`sk-...abcd`).
 */
import { randomBytes } from "node:crypto";

export interface KeyRecord {
  readonly keyHash: string;
  readonly keyName: string;
  readonly keyAlias: string | null;
  /** Model groups the key may call; empty means all. */
  readonly models: readonly string[];
  readonly maxBudget: number | null;
  /** USD spent in the current budget period, as last written by the spend writer. */
  readonly spend: number;
  readonly budgetDuration: string | null;
  readonly budgetDurationSeconds: number | null;
  readonly budgetResetAt: Date | null;
  readonly rpmLimit: number | null;
  readonly tpmLimit: number | null;
  readonly maxParallelRequests: number | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly userId: string | null;
  readonly teamId: string | null;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The columns of pharos_keys, in SELECT order. */
export const KEY_COLUMNS =
  "key_hash, key_name, key_alias, models, max_budget, spend, budget_duration, budget_duration_seconds, budget_reset_at, rpm_limit, tpm_limit, max_parallel_requests, metadata, user_id, team_id, expires_at, created_at, updated_at";

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function date(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

export function keyFromRow(row: Record<string, unknown>): KeyRecord {
  return {
    keyHash: String(row["key_hash"]),
    keyName: String(row["key_name"]),
    keyAlias: (row["key_alias"] as string | null) ?? null,
    models: (row["models"] as string[] | null) ?? [],
    maxBudget: num(row["max_budget"]),
    spend: Number(row["spend"] ?? 0),
    budgetDuration: (row["budget_duration"] as string | null) ?? null,
    budgetDurationSeconds: num(row["budget_duration_seconds"]),
    budgetResetAt: date(row["budget_reset_at"]),
    rpmLimit: num(row["rpm_limit"]),
    tpmLimit: num(row["tpm_limit"]),
    maxParallelRequests: num(row["max_parallel_requests"]),
    metadata: (row["metadata"] as Record<string, unknown> | null) ?? {},
    userId: (row["user_id"] as string | null) ?? null,
    teamId: (row["team_id"] as string | null) ?? null,
    expiresAt: date(row["expires_at"]),
    createdAt: date(row["created_at"]) ?? new Date(0),
    updatedAt: date(row["updated_at"]) ?? new Date(0),
  };
}

/** A new key: `sk-` and 32 URL-safe random characters (192 bits). */
export function newKey(): string {
  return `sk-${randomBytes(24).toString("base64url")}`;
}

/** How a key is shown after generation: its last four characters only. */
export function displayName(key: string): string {
  return `sk-...${key.slice(-4)}`;
}

/** The key as LiteLLM's /key/info and /key/generate describe it (never the key itself). */
export function keyInfoBody(record: KeyRecord): Record<string, unknown> {
  return {
    token: record.keyHash,
    key_name: record.keyName,
    key_alias: record.keyAlias,
    models: record.models,
    spend: record.spend,
    max_budget: record.maxBudget,
    budget_duration: record.budgetDuration,
    budget_reset_at: record.budgetResetAt?.toISOString() ?? null,
    rpm_limit: record.rpmLimit,
    tpm_limit: record.tpmLimit,
    max_parallel_requests: record.maxParallelRequests,
    metadata: record.metadata,
    user_id: record.userId,
    team_id: record.teamId,
    expires: record.expiresAt?.toISOString() ?? null,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
