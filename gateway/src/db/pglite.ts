/**
 * The embedded database: PostgreSQL compiled to WASM (PGlite) in this process, its files under
 * `<data dir>/pglite`. Only one process may open a data directory: a lock file
 * (`<data dir>/pharos.lock`, holding the owner's PID) guards it, and a stale lock (its process
 * is gone) is taken over.
 *
 * A fresh data directory is copied from a template initialised once per machine and PGlite
 * version (in the OS temp dir): initdb in WASM costs seconds of CPU and ~800 MB of memory, a
 * copy costs ~30 ms.
 */
import type * as PgliteModule from "@electric-sql/pglite";
import type { PGlite } from "@electric-sql/pglite";
import { lazyModule } from "../lazy-module.ts";

const pglite = lazyModule<typeof PgliteModule>("@electric-sql/pglite");
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Database, PoolStats, Queryable, QueryResult, Statement } from "./database.ts";
import { processAlive } from "../process-alive.ts";

export const LOCK_FILE = "pharos.lock";
const PG_DIR = "pglite";

/** The data directory is locked by another live process. */
export class DataDirBusyError extends Error {
  readonly ownerPid: number;
  constructor(dir: string, ownerPid: number) {
    super(`the data directory ${dir} is in use by another process (pid ${ownerPid})`);
    this.name = "DataDirBusyError";
    this.ownerPid = ownerPid;
  }
}

/** Takes `<dir>/pharos.lock` for this process; throws DataDirBusyError when a live process holds it. */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let owner: number;
      try {
        owner = Number(readFileSync(path, "utf8").trim());
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) throw new DataDirBusyError(dir, owner);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

function pgliteVersion(): string {
  try {
    const main = createRequire(import.meta.url).resolve("@electric-sql/pglite");
    const pkg = JSON.parse(readFileSync(join(dirname(main), "..", "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const TEMPLATE_BUILD_WAIT_MS = 90_000;

/**
 * A cleanly shut-down, freshly initialised PGlite data directory to copy from. One process
 * builds it (a lock file next to it); others booting meanwhile wait for it rather than run
 * their own initdb.
 */
async function templateDir(): Promise<string | undefined> {
  const dir = join(tmpdir(), `pharos-pglite-template-${pgliteVersion()}-uid${process.getuid?.() ?? 0}`);
  const ready = (): boolean => existsSync(join(dir, "PG_VERSION"));
  if (ready()) return dir;
  const lock = `${dir}.lock`;
  const deadline = Date.now() + TEMPLATE_BUILD_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      closeSync(openSync(lock, "wx"));
      break;
    } catch {
      let stale: boolean;
      try {
        stale = Date.now() - statSync(lock).mtimeMs > TEMPLATE_BUILD_WAIT_MS;
      } catch {
        continue; // the builder just finished
      }
      if (stale) rmSync(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
      if (ready()) return dir;
    }
  }
  if (ready()) return dir;
  const building = `${dir}.building-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const db = new (pglite().PGlite)(building);
    await db.waitReady;
    await db.close();
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another process won the race
    }
    return ready() ? dir : undefined;
  } catch {
    rmSync(building, { recursive: true, force: true });
    return undefined;
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Opens (creating when needed) the PGlite database under `dataDir`, which must be locked by the caller. */
export async function openPglite(dataDir: string): Promise<PgliteDatabase> {
  const pgDir = join(resolve(dataDir), PG_DIR);
  if (!existsSync(join(pgDir, "PG_VERSION"))) {
    const template = await templateDir();
    if (template !== undefined) {
      rmSync(pgDir, { recursive: true, force: true });
      cpSync(template, pgDir, { recursive: true });
    }
  }
  const db = new (pglite().PGlite)(pgDir, { postgresqlconf: "shared_buffers=16MB" });
  await db.waitReady;
  return new PgliteDatabase(db, `PGlite ${pgDir}`);
}

export class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  readonly description: string;
  private readonly db: PGlite;
  private inFlight = 0;
  private readonly direct: Queryable;

  constructor(db: PGlite, description: string) {
    this.db = db;
    this.description = description;
    this.direct = {
      query: (text, params) => this.track(async () => this.wrapResult(await this.db.query(text, params === undefined ? undefined : [...params]))),
      exec: (script) => this.track(async () => void (await this.db.exec(script))),
    };
  }

  private wrapResult<R>(result: { rows: unknown[]; affectedRows?: number }): QueryResult<R> {
    return { rows: result.rows as R[], rowCount: result.affectedRows || result.rows.length };
  }

  private async track<T>(fn: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await fn();
    } finally {
      this.inFlight -= 1;
    }
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.direct.query<R>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.direct.exec(script);
  }

  transaction(statements: readonly Statement[]): Promise<QueryResult<Record<string, unknown>>[]> {
    return this.track(() =>
      this.db.transaction(async (tx) => {
        const results: QueryResult<Record<string, unknown>>[] = [];
        for (const statement of statements) {
          results.push(this.wrapResult(await tx.query(statement.text, statement.params === undefined ? undefined : [...statement.params])));
        }
        return results;
      }),
    );
  }

  /**
   * One process owns PGlite (the lock file), so nothing else can race; the lock is taken anyway
   * so the SQL is the same as on PostgreSQL. Statements from elsewhere in this process may
   * interleave with `fn`'s: `fn` must put each transaction in one `exec` script.
   */
  async withAdvisoryLock<T>(lockId: number, fn: (connection: Queryable) => Promise<T>): Promise<T> {
    await this.direct.query("SELECT pg_advisory_lock($1)", [lockId]);
    try {
      return await fn(this.direct);
    } finally {
      await this.direct.query("SELECT pg_advisory_unlock($1)", [lockId]).catch(() => undefined);
    }
  }

  poolStats(): PoolStats {
    return { max: 1, total: 1, idle: this.inFlight > 0 ? 0 : 1, inUse: this.inFlight > 0 ? 1 : 0, waiting: Math.max(0, this.inFlight - 1) };
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
