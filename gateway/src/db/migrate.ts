/**
 * Applies the pending migrations at boot, under a session advisory lock: two instances booting
 * at once queue on the lock, and the second finds everything applied. Each migration runs in
 * its own transaction together with the row that records it, so a crash leaves no half-applied
 * version. A database newer than this Pharos, or an edited migration, is reported, not "fixed".
 */
import { createHash } from "node:crypto";
import type { Database } from "./database.ts";
import { advisoryLockId } from "./database.ts";
import { MIGRATIONS } from "./migrations.ts";
import type { Migration } from "./migrations.ts";

export const MIGRATION_LOCK_ID = advisoryLockId("pharos:migrations");

export interface MigrationReport {
  /** Versions applied by this call. */
  readonly applied: number[];
  /** Problems worth a warning (unknown newer versions, edited migrations). */
  readonly warnings: string[];
}

export function checksumOf(migration: Migration): string {
  return createHash("sha256").update(migration.sql).digest("hex").slice(0, 16);
}

export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  return db.withAdvisoryLock(MIGRATION_LOCK_ID, async (connection) => {
    await connection.exec(`CREATE TABLE IF NOT EXISTS pharos_schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`);
    const { rows } = await connection.query<{ version: number; checksum: string }>("SELECT version, checksum FROM pharos_schema_migrations ORDER BY version");
    const done = new Map(rows.map((row) => [Number(row.version), row.checksum]));
    const known = new Set(migrations.map((migration) => migration.version));
    const warnings: string[] = [];
    for (const version of done.keys()) {
      if (!known.has(version)) warnings.push(`the database has schema version ${version}, which this Pharos does not know (a newer Pharos migrated it)`);
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      const checksum = checksumOf(migration);
      const recorded = done.get(migration.version);
      if (recorded !== undefined) {
        if (recorded !== checksum) warnings.push(`migration ${migration.version} (${migration.name}) differs from the one applied to this database`);
        continue;
      }
      // One script: PGlite runs it as one unit, PostgreSQL as one transaction.
      const script = `BEGIN;\n${migration.sql}\nINSERT INTO pharos_schema_migrations (version, name, checksum) VALUES (${migration.version}, '${migration.name}', '${checksum}');\nCOMMIT;`;
      try {
        await connection.exec(script);
      } catch (error) {
        await connection.exec("ROLLBACK").catch(() => undefined);
        throw new Error(`migration ${migration.version} (${migration.name}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      applied.push(migration.version);
    }
    return { applied, warnings };
  });
}
