/**
 * The embedded database with several workers (node:cluster): PGlite lives in one process, so
 * the primary hosts it (DatabaseHost) and workers reach it over the cluster IPC channel
 * (IpcDatabase, same interface as the other backends). The primary opens it, applies the
 * migrations, and runs each worker's statements in order; a transaction is one message, so no
 * worker's statements interleave with another's.
 *
 * Wiring (cli/serve.ts, primary, before forking): `const dbHost = createDatabaseHost(loaded,
 * env, logger)`, then `dbHost?.onMessage(worker, message)` in runPrimary's onMessage, and
 * `dbHost?.close()` on shutdown, and `healthSources(loaded, table, checker, dbHost)` for the
 * health app's readiness. The host sets PHAROS_DB_HOSTED_BY_PRIMARY=1 in the primary's
 * environment, which forked workers inherit: only then do they use the channel (otherwise
 * each worker opens the data directory itself, and all but one fall back to a private copy,
 * loudly).
 *
 * Values cross the channel as JSON: timestamps arrive as ISO strings (the stores accept both).
 */
import { sendToPrimary, sendToWorker } from "../ipc.ts";
import type { Worker } from "node:cluster";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load.ts";
import type { Database, PoolStats, Queryable, QueryResult, Statement } from "./database.ts";
import { DatabaseManager } from "./db-manager.ts";
import type { DatabaseReadiness } from "./db-manager.ts";
import { databaseSettings } from "./db-settings.ts";

export const DB_REQUEST = "pharos-db";
/** Set by the primary that hosts the embedded database; inherited by the workers it forks. */
export const HOSTED_BY_PRIMARY_ENV = "PHAROS_DB_HOSTED_BY_PRIMARY";
export const DB_REPLY = "pharos-db-reply";
const REPLY_TIMEOUT_MS = 5000;
const READINESS_WAIT_MS = 10_000;

type Operation = { readonly op: "query"; readonly text: string; readonly params?: readonly unknown[] } | { readonly op: "exec"; readonly text: string } | { readonly op: "transaction"; readonly statements: readonly Statement[] } | { readonly op: "stats" };

export type DbRequest = { readonly kind: typeof DB_REQUEST; readonly id: number } & Operation;

export interface DbReply {
  readonly kind: typeof DB_REPLY;
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
}

/** The error a worker sees; `code` keeps isConnectivityError meaningful across the channel. */
export class RemoteDatabaseError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "RemoteDatabaseError";
    this.code = code;
  }
}

export interface Channel {
  send(message: DbRequest): void;
  onReply(listener: (message: unknown) => void): () => void;
}

/** The cluster channel of this worker process. */
export function workerChannel(): Channel | undefined {
  if (process.send === undefined) return undefined;
  return {
    send: (message) => {
      sendToPrimary(message);
    },
    onReply: (listener) => {
      process.on("message", listener);
      return () => process.off("message", listener);
    },
  };
}

function isReply(value: unknown): value is DbReply {
  return value !== null && typeof value === "object" && (value as { kind?: unknown }).kind === DB_REPLY;
}

/** A worker's view of the database the primary hosts. */
export class IpcDatabase implements Database {
  readonly kind = "pglite" as const;
  readonly description = "PGlite hosted by the primary process";
  /** The primary applied the migrations when it opened the database. */
  readonly migratedByHost = true;
  private readonly channel: Channel;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private readonly unsubscribe: () => void;
  private nextId = 1;
  private lastStats: PoolStats = { max: 1, total: 0, idle: 0, inUse: 0, waiting: 0 };
  private readonly replyTimeoutMs: number;

  constructor(channel: Channel, replyTimeoutMs = REPLY_TIMEOUT_MS) {
    this.channel = channel;
    this.replyTimeoutMs = replyTimeoutMs;
    this.unsubscribe = channel.onReply((message) => {
      if (!isReply(message)) return;
      const waiting = this.pending.get(message.id);
      if (waiting === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new RemoteDatabaseError(message.error?.message ?? "database error", message.error?.code));
    });
  }

  private call(operation: Operation): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RemoteDatabaseError(`the primary process did not answer within ${this.replyTimeoutMs} ms (does it host the embedded database?)`, "EDBHOST"));
      }, this.replyTimeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.channel.send({ kind: DB_REQUEST, id, ...operation });
    });
  }

  async query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return (await this.call(params === undefined ? { op: "query", text } : { op: "query", text, params })) as QueryResult<R>;
  }

  async exec(script: string): Promise<void> {
    await this.call({ op: "exec", text: script });
  }

  async transaction(statements: readonly Statement[]): Promise<QueryResult<Record<string, unknown>>[]> {
    return (await this.call({ op: "transaction", statements })) as QueryResult<Record<string, unknown>>[];
  }

  /** The host migrated the database: nothing for a worker to lock. */
  async withAdvisoryLock<T>(_lockId: number, fn: (connection: Queryable) => Promise<T>): Promise<T> {
    return fn(this);
  }

  poolStats(): PoolStats {
    void this.call({ op: "stats" }).then(
      (stats) => (this.lastStats = stats as PoolStats),
      () => undefined,
    );
    return this.lastStats;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new RemoteDatabaseError("closed", "EDBHOST"));
    }
    this.pending.clear();
  }
}

/** The primary's side: owns the embedded database and answers the workers. */
export class DatabaseHost {
  readonly manager: DatabaseManager;

  constructor(manager: DatabaseManager) {
    this.manager = manager;
  }

  /** Feed every worker message here; answers database requests, ignores the rest. */
  onMessage(worker: Pick<Worker, "send" | "isConnected">, message: unknown): void {
    if (message === null || typeof message !== "object" || (message as { kind?: unknown }).kind !== DB_REQUEST) return;
    const request = message as DbRequest;
    const reply = (body: Omit<DbReply, "kind" | "id">): void => {
      sendToWorker(worker, { kind: DB_REPLY, id: request.id, ...body });
    };
    this.run(request).then(
      (result) => reply({ ok: true, result }),
      (error: unknown) => {
        const code = (error as { code?: unknown }).code;
        reply({ ok: false, error: { message: error instanceof Error ? error.message : String(error), ...(typeof code === "string" ? { code } : {}) } });
      },
    );
  }

  private run(request: DbRequest): Promise<unknown> {
    switch (request.op) {
      case "query":
        return this.manager.use((db) => db.query(request.text, request.params));
      case "exec":
        return this.manager.use((db) => db.exec(request.text));
      case "transaction":
        return this.manager.use((db) => db.transaction(request.statements));
      case "stats":
        return Promise.resolve(this.manager.poolStats() ?? { max: 1, total: 0, idle: 0, inUse: 0, waiting: 0 });
    }
  }

  /** For the primary's /health/readiness (the separate health app). */
  readiness(): Promise<DatabaseReadiness> {
    return this.manager.readiness(READINESS_WAIT_MS);
  }

  close(): Promise<void> {
    return this.manager.close();
  }
}

/**
 * For the primary of a cluster: hosts the embedded database when the config uses it (no
 * DATABASE_URL, PHAROS_DATA_DIR not off), so the workers share one; with PostgreSQL, keeps one
 * connection of its own so the separate health app reports the database truthfully (workers
 * connect themselves). Undefined without a database.
 */
export function createDatabaseHost(loaded: LoadedConfig, env: NodeJS.ProcessEnv, logger: Logger): DatabaseHost | undefined {
  const settings = databaseSettings(loaded.config, env);
  if (settings.kind === "none") return undefined;
  const manager = new DatabaseManager({ settings: settings.kind === "postgres" ? { ...settings, poolLimit: 1 } : settings, logger });
  manager.start();
  if (settings.kind === "pglite") process.env[HOSTED_BY_PRIMARY_ENV] = "1";
  return new DatabaseHost(manager);
}
