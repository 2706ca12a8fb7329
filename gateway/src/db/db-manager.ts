/**
 * The database's lifecycle for one gateway process: open it in the background (the gateway
 * listens at once), retry with capped exponential backoff while it is unreachable, apply the
 * migrations, and track connected / disconnected from the outcome of every query. While it is
 * disconnected, callers fail fast (DatabaseUnavailableError) instead of waiting on a dead pool,
 * and a ping loop notices when it returns.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { isConnectivityError } from "./database.ts";
import type { Database, PoolStats } from "./database.ts";
import type { DatabaseSettings } from "./db-settings.ts";
import { migrate } from "./migrate.ts";
import { IpcDatabase } from "./ipc-database.ts";
import type { Channel } from "./ipc-database.ts";
import { DataDirBusyError, lockDataDir, openPglite } from "./pglite.ts";
import { PostgresDatabase } from "./postgres.ts";

export type DatabaseState = "none" | "connecting" | "connected" | "disconnected";

/** What /health/readiness says about the database. */
export interface DatabaseReadiness {
  /** False when the database is required (allow_requests_on_db_unavailable off) and down. */
  readonly ready: boolean;
  /** connected | disconnected | "Not connected" (no database configured, LiteLLM's wording). */
  readonly db: string;
  readonly dbError?: string;
}

export class DatabaseUnavailableError extends Error {
  constructor(reason: string) {
    super(`the database is unavailable: ${reason}`);
    this.name = "DatabaseUnavailableError";
  }
}

const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;

export interface DatabaseManagerOptions {
  readonly settings: DatabaseSettings;
  readonly logger: Logger;
  /** Opens the database (tests inject a fake); default: from the settings. */
  readonly open?: () => Promise<Database>;
  /** In a cluster worker: the channel to the primary, which hosts the embedded database. */
  readonly hostChannel?: Channel | undefined;
  /** Called when an operation finished (metrics: db.client.operation.duration). */
  readonly onOperation?: ((operation: string, seconds: number) => void) | undefined;
}

export class DatabaseManager {
  readonly settings: DatabaseSettings;
  private readonly logger: Logger;
  private readonly openDatabase: () => Promise<Database>;
  private readonly hostChannel: Channel | undefined;
  private readonly onOperation: DatabaseManagerOptions["onOperation"];
  private database: Database | undefined;
  private current: DatabaseState;
  private lastError: string | undefined;
  private closed = false;
  private pinging = false;
  private timer: NodeJS.Timeout | undefined;
  private firstAttempt: Promise<void> | undefined;
  private readonly connectedListeners: Array<() => void> = [];
  private readonly cleanups: Array<() => void> = [];

  constructor(options: DatabaseManagerOptions) {
    this.settings = options.settings;
    this.logger = options.logger.child({ component: "database" });
    this.hostChannel = options.hostChannel;
    this.onOperation = options.onOperation;
    this.openDatabase = options.open ?? (() => this.openFromSettings());
    this.current = options.settings.kind === "none" ? "none" : "connecting";
  }

  get state(): DatabaseState {
    return this.current;
  }

  get configured(): boolean {
    return this.settings.kind !== "none";
  }

  /** Why the database is not connected, for readiness and errors. */
  get reason(): string | undefined {
    return this.lastError;
  }

  /** Starts opening in the background. */
  start(): void {
    if (this.settings.kind === "none" || this.firstAttempt !== undefined) return;
    this.firstAttempt = this.attempt(INITIAL_BACKOFF_MS);
  }

  /** Resolves once the first open attempt has finished (either way), or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.firstAttempt === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstAttempt, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Called every time the database becomes connected (first open, and after each outage). */
  onConnected(listener: () => void): void {
    this.connectedListeners.push(listener);
    if (this.current === "connected") listener();
  }

  /**
   * Runs `fn` on the database. Throws DatabaseUnavailableError at once while it is not
   * connected; a connectivity failure marks it disconnected (and starts the ping loop).
   * `operation` names what it does, for the operation-duration metric (a small fixed set).
   */
  async use<T>(fn: (db: Database) => Promise<T>, operation = "query"): Promise<T> {
    const db = this.database;
    if (db === undefined || this.current !== "connected") {
      throw new DatabaseUnavailableError(this.settings.kind === "none" ? "no database is configured (set DATABASE_URL, or unset PHAROS_DATA_DIR=off)" : (this.lastError ?? this.current));
    }
    const started = performance.now();
    try {
      return await fn(db);
    } catch (error) {
      if (isConnectivityError(error)) this.lost(error);
      throw error;
    } finally {
      this.onOperation?.(operation, (performance.now() - started) / 1000);
    }
  }

  /** For readiness: waits (at most `waitMs`) for the first attempt while still connecting. */
  async readiness(waitMs: number): Promise<DatabaseReadiness> {
    if (this.current === "connecting") await this.settled(waitMs);
    const state = this.current;
    if (state === "none") return { ready: true, db: "Not connected" };
    if (state === "connected") return { ready: true, db: "connected" };
    return { ready: this.settings.allowRequestsOnUnavailable, db: "disconnected", ...(this.lastError === undefined ? {} : { dbError: this.lastError }) };
  }

  poolStats(): PoolStats | undefined {
    return this.database?.poolStats();
  }

  get kind(): DatabaseSettings["kind"] {
    return this.settings.kind;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.firstAttempt?.catch(() => undefined);
    const db = this.database;
    this.database = undefined;
    this.current = this.settings.kind === "none" ? "none" : "disconnected";
    await db?.close().catch((error: unknown) => this.logger.warn({ err: error }, "closing the database failed"));
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private async attempt(backoffMs: number): Promise<void> {
    if (this.closed) return;
    try {
      if (this.database === undefined) this.database = await this.openDatabase();
      if (this.closed) return;
      await this.database.query("SELECT 1");
      if (this.database.migratedByHost !== true) {
        const report = await migrate(this.database);
        if (report.applied.length > 0) this.logger.info({ applied: report.applied }, `database schema migrated (${this.database.description})`);
        for (const warning of report.warnings) this.logger.warn(warning);
      }
      this.connected();
    } catch (error) {
      if (this.closed) return;
      const message = error instanceof Error ? error.message : String(error);
      const first = this.lastError === undefined;
      this.lastError = message;
      this.current = "disconnected";
      const log = { err: message, retryInMs: backoffMs };
      if (first) this.logger.error(log, `cannot open the database (${this.describe()}); retrying in the background`);
      else this.logger.debug(log, "database still unavailable");
      this.timer = setTimeout(() => void this.attempt(Math.min(backoffMs * 2, MAX_BACKOFF_MS)), backoffMs);
      this.timer.unref();
    }
  }

  private connected(): void {
    const wasDown = this.current === "disconnected";
    this.current = "connected";
    this.lastError = undefined;
    if (wasDown) this.logger.warn(`the database is back (${this.describe()})`);
    else this.logger.info(`database ready (${this.describe()})`);
    for (const listener of this.connectedListeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error({ err: error }, "a database listener failed");
      }
    }
  }

  /** A query failed for lack of a connection: fail fast from now on, and ping until it returns. */
  private lost(error: unknown): void {
    if (this.current !== "connected") return;
    this.current = "disconnected";
    this.lastError = error instanceof Error ? error.message : String(error);
    this.logger.error({ err: this.lastError }, `lost the database (${this.describe()}); spend is queued and cached keys keep working until it returns`);
    this.ping(INITIAL_BACKOFF_MS);
  }

  private ping(backoffMs: number): void {
    if (this.pinging || this.closed) return;
    this.pinging = true;
    this.timer = setTimeout(() => {
      this.pinging = false;
      const db = this.database;
      if (db === undefined || this.closed) return;
      db.query("SELECT 1").then(
        () => this.connected(),
        () => this.ping(Math.min(backoffMs * 2, MAX_BACKOFF_MS / 2)),
      );
    }, backoffMs);
    this.timer.unref();
  }

  private describe(): string {
    if (this.database !== undefined) return this.database.description;
    const settings = this.settings;
    return settings.kind === "pglite" ? `PGlite under ${settings.dataDir}` : settings.kind;
  }

  private async openFromSettings(): Promise<Database> {
    const settings = this.settings;
    if (settings.kind === "postgres") {
      return new PostgresDatabase({
        url: settings.url,
        poolLimit: settings.poolLimit,
        connectionTimeoutMs: settings.connectionTimeoutMs,
        onBackgroundError: (error) => {
          if (isConnectivityError(error)) this.lost(error);
        },
      });
    }
    if (settings.kind === "pglite" && this.hostChannel !== undefined) return new IpcDatabase(this.hostChannel);
    if (settings.kind === "pglite") {
      try {
        this.cleanups.push(lockDataDir(settings.dataDir));
        return await openPglite(settings.dataDir);
      } catch (error) {
        if (!(error instanceof DataDirBusyError)) throw error;
        // Another process owns the data directory: run on a private copy rather than fail, but
        // say loudly that nothing will persist.
        const scratch = mkdtempSync(join(tmpdir(), "pharos-data-"));
        this.cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
        this.logger.warn(
          `${error.message}; this process uses a temporary embedded database in ${scratch}: its keys and spend logs will NOT persist. ` +
            "Give each instance its own PHAROS_DATA_DIR, or share a PostgreSQL database with DATABASE_URL.",
        );
        return openPglite(scratch);
      }
    }
    throw new DatabaseUnavailableError("no database is configured");
  }
}
