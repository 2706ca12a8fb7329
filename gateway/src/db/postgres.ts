/**
 * PostgreSQL through a `pg` pool: at most `database_connection_pool_limit` connections per
 * worker (LiteLLM's meaning), `database_connection_timeout` to get one. Idle connections close
 * after 30 s, so a quiet gateway holds few; errors on idle connections are absorbed (the pool
 * drops them) instead of crashing the process.
 */
import type pg from "pg";
import { lazyModule } from "../lazy-module.ts";

const pgModule = lazyModule<typeof pg>("pg");
import type { PoolClient } from "pg";
import { isConnectivityError } from "./database.ts";
import type { Database, PoolStats, Queryable, QueryResult, Statement } from "./database.ts";

export interface PostgresOptions {
  readonly url: string;
  readonly poolLimit: number;
  readonly connectionTimeoutMs: number;
  /** Called for errors the pool reports outside a query (a server restart, a cut connection). */
  readonly onBackgroundError?: (error: Error) => void;
}

const IDLE_TIMEOUT_MS = 30_000;
const STATEMENT_TIMEOUT_MS = 60_000;

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable database URL)";
  }
}

function wrap(client: { query: (text: string, params?: unknown[]) => Promise<pg.QueryResult> }): Queryable {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await client.query(text, params === undefined ? undefined : [...params]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(script: string): Promise<void> {
      await client.query(script);
    },
  };
}

export class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;
  readonly description: string;
  private readonly pool: pg.Pool;
  private readonly max: number;
  private readonly direct: Queryable;

  constructor(options: PostgresOptions) {
    this.description = `PostgreSQL ${redactUrl(options.url)}`;
    this.max = options.poolLimit;
    this.pool = new (pgModule().Pool)({
      connectionString: options.url,
      max: options.poolLimit,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      keepAlive: true,
      application_name: "pharos",
      statement_timeout: STATEMENT_TIMEOUT_MS,
    });
    this.pool.on("error", (error) => options.onBackgroundError?.(error));
    this.direct = wrap(this.pool);
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.direct.query<R>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.direct.exec(script);
  }

  async transaction(statements: readonly Statement[]): Promise<QueryResult<Record<string, unknown>>[]> {
    return this.withClient(async (client) => {
      const connection = wrap(client);
      await client.query("BEGIN");
      try {
        const results: QueryResult<Record<string, unknown>>[] = [];
        for (const statement of statements) results.push(await connection.query(statement.text, statement.params));
        await client.query("COMMIT");
        return results;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }

  async withAdvisoryLock<T>(lockId: number, fn: (connection: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query("SELECT pg_advisory_lock($1)", [lockId]);
      try {
        return await fn(wrap(client));
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [lockId]).catch(() => undefined);
      }
    });
  }

  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client whose connection dies emits 'error' outside any query: without a
    // listener that would crash the process.
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on("error", onError);
    try {
      return await fn(client);
    } catch (error) {
      broken ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off("error", onError);
      // A connection that failed is destroyed rather than handed to the next caller.
      client.release(broken !== undefined && isConnectivityError(broken) ? broken : undefined);
    }
  }

  poolStats(): PoolStats {
    const total = this.pool.totalCount;
    const idle = this.pool.idleCount;
    return { max: this.max, total, idle, inUse: total - idle, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
