/**
 * Virtual keys in the database (pharos_keys): create, find, update, delete, list, and the
 * budget reset sweep. Spend is never written here per request: the spend writer adds it in
 * one aggregated UPDATE per key per batch.
 *
 * Lock order: every statement that locks several key rows locks them sorted by key_hash
 * (here and in the spend writer), so concurrent writers queue instead of deadlocking.
 */
import type { DatabaseManager } from "../db/db-manager.ts";
import { KEY_COLUMNS, keyFromRow } from "./key-record.ts";
import type { KeyRecord } from "./key-record.ts";

export interface NewKey {
  readonly keyHash: string;
  readonly keyName: string;
  readonly keyAlias: string | null;
  readonly models: readonly string[];
  readonly maxBudget: number | null;
  readonly budgetDuration: string | null;
  readonly budgetDurationSeconds: number | null;
  readonly rpmLimit: number | null;
  readonly tpmLimit: number | null;
  readonly maxParallelRequests: number | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly userId: string | null;
  readonly teamId: string | null;
  readonly expiresAt: Date | null;
}

/** Fields /key/update may change; undefined = unchanged, null = cleared. */
export interface KeyPatch {
  readonly keyAlias?: string | null;
  readonly models?: readonly string[];
  readonly maxBudget?: number | null;
  readonly budgetDuration?: string | null;
  readonly budgetDurationSeconds?: number | null;
  readonly rpmLimit?: number | null;
  readonly tpmLimit?: number | null;
  readonly maxParallelRequests?: number | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly userId?: string | null;
  readonly teamId?: string | null;
  readonly expiresAt?: Date | null;
}

/** A key alias or custom key that already exists. */
export class DuplicateKeyError extends Error {
  readonly field: "key" | "key_alias";
  constructor(field: "key" | "key_alias") {
    super(field === "key" ? "a key with this value already exists" : "another key already has this key_alias");
    this.name = "DuplicateKeyError";
    this.field = field;
  }
}

function duplicateOf(error: unknown): DuplicateKeyError | undefined {
  const code = (error as { code?: unknown }).code;
  if (code !== "23505") return undefined;
  const constraint = String((error as { constraint?: unknown }).constraint ?? (error as Error).message);
  return new DuplicateKeyError(constraint.includes("alias") ? "key_alias" : "key");
}

const COLUMN_OF: Record<keyof KeyPatch, string> = {
  keyAlias: "key_alias",
  models: "models",
  maxBudget: "max_budget",
  budgetDuration: "budget_duration",
  budgetDurationSeconds: "budget_duration_seconds",
  rpmLimit: "rpm_limit",
  tpmLimit: "tpm_limit",
  maxParallelRequests: "max_parallel_requests",
  metadata: "metadata",
  userId: "user_id",
  teamId: "team_id",
  expiresAt: "expires_at",
};

export class KeyStore {
  private readonly db: DatabaseManager;

  constructor(db: DatabaseManager) {
    this.db = db;
  }

  async create(key: NewKey): Promise<KeyRecord> {
    try {
      const { rows } = await this.db.use((db) =>
        db.query(
          `INSERT INTO pharos_keys (key_hash, key_name, key_alias, models, max_budget, budget_duration, budget_duration_seconds, budget_reset_at,
             rpm_limit, tpm_limit, max_parallel_requests, metadata, user_id, team_id, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::integer, CASE WHEN $7::integer IS NULL THEN NULL ELSE now() + make_interval(secs => $7::integer) END,
             $8, $9, $10, $11, $12, $13, $14)
           RETURNING ${KEY_COLUMNS}`,
          [key.keyHash, key.keyName, key.keyAlias, [...key.models], key.maxBudget, key.budgetDuration, key.budgetDurationSeconds, key.rpmLimit, key.tpmLimit, key.maxParallelRequests, key.metadata, key.userId, key.teamId, key.expiresAt],
        ),
        "keys",
      );
      return keyFromRow(rows[0]!);
    } catch (error) {
      throw duplicateOf(error) ?? error;
    }
  }

  async find(keyHash: string): Promise<KeyRecord | undefined> {
    const { rows } = await this.db.use((db) => db.query(`SELECT ${KEY_COLUMNS} FROM pharos_keys WHERE key_hash = $1`, [keyHash]), "keys");
    return rows[0] === undefined ? undefined : keyFromRow(rows[0]);
  }

  async findByAlias(alias: string): Promise<KeyRecord | undefined> {
    const { rows } = await this.db.use((db) => db.query(`SELECT ${KEY_COLUMNS} FROM pharos_keys WHERE key_alias = $1`, [alias]), "keys");
    return rows[0] === undefined ? undefined : keyFromRow(rows[0]);
  }

  /** Applies `patch`; a new budget_duration restarts the budget period. Undefined when no such key. */
  async update(keyHash: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [keyHash];
    for (const [field, column] of Object.entries(COLUMN_OF) as Array<[keyof KeyPatch, string]>) {
      const value = patch[field];
      if (value === undefined) continue;
      params.push(Array.isArray(value) ? [...(value as readonly string[])] : value);
      const param = `$${params.length}`;
      if (column === "budget_duration_seconds") {
        sets.push(`${column} = ${param}::integer`);
        sets.push(`budget_reset_at = CASE WHEN ${param}::integer IS NULL THEN NULL ELSE now() + make_interval(secs => ${param}::integer) END`);
      } else {
        sets.push(`${column} = ${param}`);
      }
    }
    sets.push("updated_at = now()");
    try {
      const { rows } = await this.db.use((db) => db.query(`UPDATE pharos_keys SET ${sets.join(", ")} WHERE key_hash = $1 RETURNING ${KEY_COLUMNS}`, params), "keys");
      return rows[0] === undefined ? undefined : keyFromRow(rows[0]);
    } catch (error) {
      throw duplicateOf(error) ?? error;
    }
  }

  /** Deletes keys by hash and by alias; returns the hashes deleted. */
  async delete(keyHashes: readonly string[], aliases: readonly string[]): Promise<string[]> {
    const { rows } = await this.db.use((db) =>
      db.query<{ key_hash: string }>("DELETE FROM pharos_keys WHERE key_hash = ANY($1::text[]) OR key_alias = ANY($2::text[]) RETURNING key_hash", [[...keyHashes], [...aliases]]),
        "keys",
    );
    return rows.map((row) => row.key_hash);
  }

  async list(page: number, size: number): Promise<{ keys: KeyRecord[]; total: number }> {
    return this.db.use(async (db) => {
      const { rows } = await db.query(`SELECT ${KEY_COLUMNS} FROM pharos_keys ORDER BY created_at, key_hash LIMIT $1 OFFSET $2`, [size, (page - 1) * size]);
      const count = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pharos_keys");
      return { keys: rows.map(keyFromRow), total: Number(count.rows[0]?.n ?? 0) };
    }, "keys");
  }

  /**
   * Starts a new budget period for every key whose period ended: spend back to 0, next reset
   * one budget_duration from now. Returns the keys reset.
   */
  async resetBudgets(): Promise<string[]> {
    const { rows } = await this.db.use((db) =>
      db.query<{ key_hash: string }>(
        `UPDATE pharos_keys SET spend = 0, budget_reset_at = now() + make_interval(secs => budget_duration_seconds)
         WHERE key_hash IN (
           SELECT key_hash FROM pharos_keys WHERE budget_reset_at <= now() AND budget_duration_seconds IS NOT NULL ORDER BY key_hash FOR UPDATE
         )
         RETURNING key_hash`,
      ),
        "keys",
    );
    return rows.map((row) => row.key_hash);
  }
}
