/**
 * Virtual-key lookups for `authenticate`, served from memory so auth costs no database round
 * trip on the hot path.
 *
 * TTL (PHAROS_KEY_CACHE_TTL_SECONDS, default 10 s): a key found (or found missing) is trusted
 * for that long; after 75 % of it a background refresh runs while the cached answer is still
 * served. So a key deleted or changed through another instance (or worker) stops working or
 * takes its new limits within the TTL; on the instance that changed it, at once. Expiry is
 * checked on every request against the cached expiry time, so an expired key stops at once.
 *
 * While the database is unreachable, a stale entry keeps working only when
 * `allow_requests_on_db_unavailable` is true; a key never seen before gets a 503.
 */
import type { Logger } from "pino";
import type { DatabaseManager } from "../db/db-manager.ts";
import { GatewayError } from "../errors.ts";
import type { KeyResolver } from "../middleware/authenticate.ts";
import type { AuthContext, PharosContext } from "../request-state.ts";
import type { KeyRecord } from "./key-record.ts";
import type { KeyStore } from "./key-store.ts";

export const DEFAULT_KEY_CACHE_TTL_SECONDS = 10;
const REFRESH_AHEAD = 0.75;
const MAX_ENTRIES = 100_000;

/** A key as the hot path uses it. */
export interface CachedKey {
  readonly record: KeyRecord;
  readonly auth: AuthContext;
  /** Spend known to be in the database (the row's value plus what this process wrote since). */
  committedSpend: number;
  /** Epoch ms of the end of the current budget period, when the key has a budget_duration. */
  budgetResetAtMs: number | undefined;
}

interface Slot {
  key: CachedKey | undefined;
  fetchedAt: number;
  refreshing: boolean;
}

export interface KeyCacheOptions {
  readonly store: KeyStore;
  readonly db: DatabaseManager;
  readonly logger: Logger;
  readonly ttlMs: number;
  readonly allowStaleWhenDbDown: boolean;
  readonly now?: () => number;
}

export function cachedKeyOf(record: KeyRecord): CachedKey {
  return {
    record,
    auth: {
      kind: "virtual",
      keyHash: record.keyHash,
      keyAlias: record.keyAlias ?? record.keyName,
      models: record.models.length === 0 ? undefined : record.models,
      metadata: record.metadata,
    },
    committedSpend: record.spend,
    budgetResetAtMs: record.budgetResetAt?.getTime(),
  };
}

export class KeyCache implements KeyResolver {
  private readonly slots = new Map<string, Slot>();
  private readonly inFlight = new Map<string, Promise<Slot>>();
  private readonly store: KeyStore;
  private readonly db: DatabaseManager;
  private readonly logger: Logger;
  private readonly ttlMs: number;
  private readonly allowStale: boolean;
  private readonly now: () => number;

  constructor(options: KeyCacheOptions) {
    this.store = options.store;
    this.db = options.db;
    this.logger = options.logger;
    this.ttlMs = options.ttlMs;
    this.allowStale = options.allowStaleWhenDbDown;
    this.now = options.now ?? Date.now;
  }

  async resolve(keyHash: string, _ctx: PharosContext): Promise<AuthContext | undefined> {
    const slot = this.slots.get(keyHash);
    const now = this.now();
    if (slot !== undefined) {
      const age = now - slot.fetchedAt;
      if (age < this.ttlMs) {
        if (age > this.ttlMs * REFRESH_AHEAD && !slot.refreshing) this.refreshInBackground(keyHash, slot);
        return this.authOf(slot.key, now);
      }
    }
    if (this.db.state !== "connected") return this.whileDbDown(slot, now);
    let fresh: Slot;
    try {
      fresh = await this.fetch(keyHash);
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "key lookup failed");
      return this.whileDbDown(slot, now);
    }
    return this.authOf(fresh.key, this.now());
  }

  /** The cached key (for limits and budgets), if this process knows it. */
  peek(keyHash: string): CachedKey | undefined {
    return this.slots.get(keyHash)?.key;
  }

  /** Stores a key just created or updated on this instance (it works here at once). */
  put(record: KeyRecord): void {
    this.set(record.keyHash, { key: cachedKeyOf(record), fetchedAt: this.now(), refreshing: false });
  }

  /** Forgets keys deleted on this instance (they stop working here at once). */
  forget(keyHashes: readonly string[]): void {
    for (const keyHash of keyHashes) this.set(keyHash, { key: undefined, fetchedAt: this.now(), refreshing: false });
  }

  /** Makes the next request with these keys read them again (their budget period was reset). */
  expire(keyHashes: readonly string[]): void {
    for (const keyHash of keyHashes) {
      const slot = this.slots.get(keyHash);
      if (slot !== undefined) slot.fetchedAt = 0;
    }
  }

  /** The spend writer committed `amount` USD of spend for this key. */
  addCommittedSpend(keyHash: string, amount: number): void {
    const key = this.slots.get(keyHash)?.key;
    if (key !== undefined) key.committedSpend += amount;
  }

  get size(): number {
    return this.slots.size;
  }

  private authOf(key: CachedKey | undefined, now: number): AuthContext | undefined {
    if (key === undefined) return undefined;
    const expiresAt = key.record.expiresAt;
    if (expiresAt !== null && expiresAt.getTime() <= now) {
      throw new GatewayError("expired_api_key", `Authentication Error - Expired Key. The key '${key.auth.keyAlias}' expired at ${expiresAt.toISOString()}.`);
    }
    return key.auth;
  }

  private whileDbDown(slot: Slot | undefined, now: number): AuthContext | undefined {
    if (slot !== undefined && this.allowStale) return this.authOf(slot.key, now);
    throw new GatewayError(
      "service_unavailable",
      slot === undefined
        ? "Cannot verify the API key: the database is unavailable. Try again shortly."
        : "Cannot verify the API key: the database is unavailable (set general_settings.allow_requests_on_db_unavailable to keep serving cached keys).",
    );
  }

  private refreshInBackground(keyHash: string, slot: Slot): void {
    if (this.db.state !== "connected") return;
    slot.refreshing = true;
    this.fetch(keyHash).catch((error: unknown) => {
      slot.refreshing = false;
      this.logger.debug({ err: error instanceof Error ? error.message : String(error) }, "background key refresh failed");
    });
  }

  /** One database lookup per key at a time, however many requests wait for it. */
  private fetch(keyHash: string): Promise<Slot> {
    let pending = this.inFlight.get(keyHash);
    if (pending === undefined) {
      pending = this.store
        .find(keyHash)
        .then((record) => {
          const previous = this.slots.get(keyHash)?.key;
          const key = record === undefined ? undefined : cachedKeyOf(record);
          // Spend written by this process after the row was read is not lost by the refresh.
          if (key !== undefined && previous !== undefined && previous.committedSpend > key.committedSpend && previous.budgetResetAtMs === key.budgetResetAtMs) {
            key.committedSpend = Math.max(key.committedSpend, previous.committedSpend);
          }
          const slot: Slot = { key, fetchedAt: this.now(), refreshing: false };
          this.set(keyHash, slot);
          return slot;
        })
        .finally(() => this.inFlight.delete(keyHash));
      this.inFlight.set(keyHash, pending);
    }
    return pending;
  }

  private set(keyHash: string, slot: Slot): void {
    this.slots.delete(keyHash);
    this.slots.set(keyHash, slot);
    if (this.slots.size > MAX_ENTRIES) {
      const oldest = this.slots.keys().next().value;
      if (oldest !== undefined) this.slots.delete(oldest);
    }
  }
}
