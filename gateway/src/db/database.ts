/**
 * The database as the rest of Pharos sees it: the same SQL on PostgreSQL (`pg` pool) and on the
 * embedded PGlite. Parameters are numbered ($1…); results are plain rows. Two backends implement
 * it (postgres.ts, pglite.ts); db-manager.ts owns the lifecycle (connect with retry, migrate,
 * connected/disconnected state).
 */

export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface Statement {
  readonly text: string;
  readonly params?: readonly unknown[];
}

/** One connection's worth of queries (a pooled client, or PGlite itself). */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** Pool occupancy, for the pool metrics (telemetry) and the benchmark. */
export interface PoolStats {
  /** Largest number of connections the pool opens. */
  readonly max: number;
  /** Connections open now. */
  readonly total: number;
  readonly idle: number;
  /** Connections running a query now. */
  readonly inUse: number;
  /** Queries waiting for a free connection. */
  readonly waiting: number;
}

export type DatabaseKind = "postgres" | "pglite";

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Where it is, for logs (never a password). */
  readonly description: string;
  /** Another process opened it and applied the migrations (a cluster worker's view). */
  readonly migratedByHost?: boolean;
  /** Runs the statements in one transaction on one connection; returns each result. */
  transaction(statements: readonly Statement[]): Promise<QueryResult<Record<string, unknown>>[]>;
  /** Runs `fn` on one connection that holds the session advisory lock `lockId` (waits for it). */
  withAdvisoryLock<T>(lockId: number, fn: (connection: Queryable) => Promise<T>): Promise<T>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/** SQLSTATE classes that mean "the statement is wrong", not "the database is unreachable". */
const STATEMENT_ERROR_CLASSES = new Set(["22", "23", "25", "28", "2B", "3D", "3F", "40", "42", "44", "P0", "XX"]);

/**
 * Whether an error means the database is unreachable (connection refused, reset, terminated,
 * timed out, server shutting down) rather than a problem with the statement itself.
 */
export function isConnectivityError(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
    // 08: connection exception; 53: insufficient resources (too many clients); 57: operator intervention.
    if (code.startsWith("08") || code.startsWith("53") || code.startsWith("57")) return true;
    if (STATEMENT_ERROR_CLASSES.has(code.slice(0, 2))) return false;
  }
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE…
  const message = error instanceof Error ? error.message : "";
  return /connection|terminat|timeout|timed out|ECONN|socket|closed|not (yet )?open/i.test(message);
}

/** A session advisory-lock id from a name (stable across versions and instances). */
export function advisoryLockId(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
