import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, dropTestDatabases, startTcpProxy } from "../../test/db-support.ts";
import type { TestDatabase } from "../../test/db-support.ts";
import { removeTempDirs, tempDir } from "../../../tests/support/temp-dir.ts";
import { waitFor } from "../../../tests/support/wait-for.ts";
import { advisoryLockId, isConnectivityError } from "./database.ts";
import type { Database } from "./database.ts";
import { DatabaseManager, DatabaseUnavailableError } from "./db-manager.ts";
import { databaseSettings } from "./db-settings.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations.ts";
import { DataDirBusyError, LOCK_FILE, lockDataDir, openPglite } from "./pglite.ts";
import { PostgresDatabase } from "./postgres.ts";
import { configSchema } from "../config/schema.ts";

const silent = pino({ level: "silent" });
let pgDb: TestDatabase;

beforeAll(async () => {
  pgDb = await createTestDatabase();
});

afterAll(async () => {
  await dropTestDatabases();
  removeTempDirs();
});

function postgres(url = pgDb.url, poolLimit = 4): PostgresDatabase {
  return new PostgresDatabase({ url, poolLimit, connectionTimeoutMs: 5000 });
}

const backends: Array<[string, () => Promise<Database>]> = [
  ["postgres", async () => postgres()],
  ["pglite", async () => openPglite(tempDir("pharos-pglite-"))],
];

describe.each(backends)("the same SQL on %s", (_name, open) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db.close();
  });

  it("applies every migration once, and a second run applies none", async () => {
    const first = await migrate(db);
    const second = await migrate(db);
    // The PostgreSQL database may have been migrated by another test in this file first.
    expect(first.applied.length === MIGRATIONS.length || first.applied.length === 0).toBe(true);
    expect(second).toEqual({ applied: [], warnings: [] });
    const rows = await db.query<{ version: number }>("SELECT version FROM pharos_schema_migrations ORDER BY version");
    expect(rows.rows.map((row) => Number(row.version))).toEqual(MIGRATIONS.map((migration) => migration.version));
  });

  it("round-trips the types the stores use", async () => {
    await db.query(
      "INSERT INTO pharos_keys (key_hash, key_name, models, max_budget, metadata, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
      ["h-types", "sk-...abcd", ["a", "b"], 1.5, { team: "x" }, new Date("2030-01-01T00:00:00Z")],
    );
    const { rows } = await db.query<{ models: string[]; max_budget: number; metadata: unknown; expires_at: Date; n: number }>(
      "SELECT models, max_budget, metadata, expires_at, (SELECT count(*) FROM pharos_keys)::int AS n FROM pharos_keys WHERE key_hash = $1",
      ["h-types"],
    );
    expect(rows[0]).toEqual({ models: ["a", "b"], max_budget: 1.5, metadata: { team: "x" }, expires_at: new Date("2030-01-01T00:00:00Z"), n: 1 });
  });

  it("rolls a transaction back when a statement fails", async () => {
    await expect(
      db.transaction([
        { text: "INSERT INTO pharos_keys (key_hash, key_name) VALUES ($1, $2)", params: ["h-tx", "n"] },
        { text: "INSERT INTO pharos_keys (key_hash, key_name) VALUES ($1, $2)", params: ["h-tx", "n"] },
      ]),
    ).rejects.toThrow();
    const { rows } = await db.query("SELECT 1 FROM pharos_keys WHERE key_hash = 'h-tx'");
    expect(rows).toHaveLength(0);
  });

  it("reports pool occupancy", () => {
    const stats = db.poolStats();
    expect(stats.max).toBeGreaterThanOrEqual(1);
    expect(stats.inUse).toBe(0);
    expect(stats.waiting).toBe(0);
  });
});

describe("migrations on PostgreSQL", () => {
  it("do not race when several instances boot at once", async () => {
    const fresh = await createTestDatabase();
    const pools = Array.from({ length: 4 }, () => postgres(fresh.url, 2));
    try {
      const reports = await Promise.all(pools.map((pool) => migrate(pool)));
      const applied = reports.flatMap((report) => report.applied).sort();
      expect(applied).toEqual(MIGRATIONS.map((migration) => migration.version));
      const { rows } = await pools[0]!.query<{ n: number }>("SELECT count(*)::int AS n FROM pharos_schema_migrations");
      expect(rows[0]!.n).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  });

  it("warn about a database newer than this Pharos, and a failing migration leaves no trace", async () => {
    const fresh = await createTestDatabase();
    const db = postgres(fresh.url);
    try {
      await migrate(db);
      await db.query("INSERT INTO pharos_schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')");
      const report = await migrate(db);
      expect(report.warnings.join()).toContain("schema version 999");
      const next = MIGRATIONS.length + 1;
      const broken = [...MIGRATIONS, { version: next, name: "broken", sql: "CREATE TABLE pharos_half (a int); SELECT nope FROM nowhere;" }];
      await expect(migrate(db, broken)).rejects.toThrow(new RegExp(`migration ${next} \\(broken\\) failed`));
      const { rows } = await db.query("SELECT to_regclass('pharos_half') AS t, (SELECT count(*)::int FROM pharos_schema_migrations WHERE version = $1) AS n", [next]);
      expect(rows[0]).toEqual({ t: null, n: 0 });
    } finally {
      await db.close();
    }
  });
});

describe("the embedded database (PGlite)", () => {
  it("keeps its data across a restart", async () => {
    const dir = tempDir("pharos-pglite-");
    const first = await openPglite(dir);
    await migrate(first);
    await first.query("INSERT INTO pharos_keys (key_hash, key_name) VALUES ('kept', 'sk-...kept')");
    await first.close();
    const second = await openPglite(dir);
    try {
      expect((await migrate(second)).applied).toEqual([]);
      const { rows } = await second.query("SELECT key_name FROM pharos_keys WHERE key_hash = 'kept'");
      expect(rows).toEqual([{ key_name: "sk-...kept" }]);
    } finally {
      await second.close();
    }
  });

  it("refuses a data directory locked by a live process, and takes over a stale lock", () => {
    const dir = tempDir("pharos-lock-");
    const release = lockDataDir(dir);
    writeFileSync(join(dir, LOCK_FILE), String(process.ppid)); // a live process that is not us
    expect(() => lockDataDir(dir)).toThrow(DataDirBusyError);
    writeFileSync(join(dir, LOCK_FILE), "999999999"); // no such process
    const again = lockDataDir(dir);
    again();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    release();
  });
});

describe("DatabaseManager", () => {
  it("retries in the background until PostgreSQL answers, then fails fast while it is cut", async () => {
    const target = new URL(pgDb.url);
    const proxy = await startTcpProxy(Number(target.port || 5432));
    proxy.cut();
    const config = configSchema.parse({ general_settings: { database_url: pgDb.urlVia(proxy.port), database_connection_timeout: 2 } });
    const manager = new DatabaseManager({ settings: databaseSettings(config, {}), logger: silent });
    try {
      manager.start();
      await manager.settled(5000);
      expect(manager.state).toBe("disconnected");
      await expect(manager.use((db) => db.query("SELECT 1"))).rejects.toBeInstanceOf(DatabaseUnavailableError);
      proxy.restore();
      await waitFor(() => manager.state === "connected", { timeoutMs: 15_000, what: "the manager to connect" });
      expect((await manager.use((db) => db.query<{ one: number }>("SELECT 1 AS one"))).rows).toEqual([{ one: 1 }]);

      proxy.cut();
      await expect(manager.use((db) => db.query("SELECT 1"))).rejects.toThrow();
      expect(manager.state).toBe("disconnected");
      const started = Date.now();
      await expect(manager.use((db) => db.query("SELECT 1"))).rejects.toBeInstanceOf(DatabaseUnavailableError);
      expect(Date.now() - started).toBeLessThan(1000);
      proxy.restore();
      await waitFor(() => manager.state === "connected", { timeoutMs: 15_000, what: "the manager to reconnect" });
    } finally {
      await manager.close();
      await proxy.close();
    }
  });

  it("runs on a private temporary database when the data directory is taken", async () => {
    const dir = tempDir("pharos-busy-");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, LOCK_FILE), String(process.ppid));
    const config = configSchema.parse({});
    const manager = new DatabaseManager({ settings: databaseSettings(config, { PHAROS_DATA_DIR: dir }), logger: silent });
    try {
      manager.start();
      await manager.settled(30_000);
      expect(manager.state).toBe("connected");
      expect(existsSync(join(dir, "pglite"))).toBe(false);
    } finally {
      await manager.close();
    }
  });

  it("has no database with PHAROS_DATA_DIR=off", async () => {
    const manager = new DatabaseManager({ settings: databaseSettings(configSchema.parse({}), { PHAROS_DATA_DIR: "off" }), logger: silent });
    manager.start();
    expect(manager.state).toBe("none");
    await expect(manager.use(async () => 1)).rejects.toThrow(/no database is configured/);
  });
});

describe("helpers", () => {
  it("tells connectivity errors from statement errors", () => {
    expect(isConnectivityError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isConnectivityError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectivityError(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isConnectivityError(Object.assign(new Error("sorry, too many clients already"), { code: "53300" }))).toBe(true);
    expect(isConnectivityError(Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: "23505" }))).toBe(false);
    expect(isConnectivityError(Object.assign(new Error('column "nope" does not exist'), { code: "42703" }))).toBe(false);
  });

  it("derives stable advisory lock ids", () => {
    expect(advisoryLockId("pharos:migrations")).toBe(advisoryLockId("pharos:migrations"));
    expect(advisoryLockId("a")).not.toBe(advisoryLockId("b"));
    expect(Number.isInteger(advisoryLockId("pharos:migrations"))).toBe(true);
  });

  it("picks the database from the config and the environment", () => {
    const none = configSchema.parse({});
    expect(databaseSettings(none, {}, "/srv").kind).toBe("pglite");
    expect(databaseSettings(none, {}, "/srv").dataDir).toBe("/srv/.pharos/data");
    expect(databaseSettings(none, { PHAROS_DATA_DIR: "/var/pharos" }).dataDir).toBe("/var/pharos");
    expect(databaseSettings(none, { PHAROS_DATA_DIR: "off" }).kind).toBe("none");
    const fromEnv = databaseSettings(none, { DATABASE_URL: "postgres://u:p@db/x", PHAROS_DATA_DIR: "off" });
    expect(fromEnv).toMatchObject({ kind: "postgres", url: "postgres://u:p@db/x", poolLimit: 10, connectionTimeoutMs: 60_000 });
    const fromConfig = configSchema.parse({ general_settings: { database_url: "postgres://c/y", database_connection_pool_limit: 3, database_connection_timeout: 5, allow_requests_on_db_unavailable: true } });
    expect(databaseSettings(fromConfig, { DATABASE_URL: "postgres://ignored/z" })).toMatchObject({ kind: "postgres", url: "postgres://c/y", poolLimit: 3, connectionTimeoutMs: 5000, allowRequestsOnUnavailable: true });
  });
});
