/**
 * Which database a gateway uses, from the config and the environment:
 * - `general_settings.database_url` or DATABASE_URL → PostgreSQL, pool of
 *   `database_connection_pool_limit` connections per worker (default 10), waiting at most
 *   `database_connection_timeout` seconds (default 60) for one;
 * - otherwise the embedded PGlite under PHAROS_DATA_DIR (default `./.pharos/data`);
 * - PHAROS_DATA_DIR=off (or none) without a URL: no database (no keys, no spend logs).
 * The data directory also holds the spend spill files, whatever the database.
 */
import { resolve } from "node:path";
import type { RawConfig } from "../config/schema.ts";

export const DEFAULT_DATA_DIR = "./.pharos/data";
const DEFAULT_POOL_LIMIT = 10;
const DEFAULT_CONNECTION_TIMEOUT_SECONDS = 60;

interface Common {
  /** Absolute data directory (PGlite files, spend spill files). */
  readonly dataDir: string;
  /** general_settings.allow_requests_on_db_unavailable: keep serving cached keys while the database is down. */
  readonly allowRequestsOnUnavailable: boolean;
}

export type DatabaseSettings =
  | (Common & { readonly kind: "postgres"; readonly url: string; readonly poolLimit: number; readonly connectionTimeoutMs: number })
  | (Common & { readonly kind: "pglite" })
  | (Common & { readonly kind: "none" });

export function databaseSettings(config: RawConfig, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): DatabaseSettings {
  const general = config.general_settings;
  const configuredDir = env["PHAROS_DATA_DIR"];
  const off = configuredDir !== undefined && /^(off|none|false|0)$/i.test(configuredDir);
  const dataDir = resolve(cwd, off || configuredDir === undefined || configuredDir === "" ? DEFAULT_DATA_DIR : configuredDir);
  const common: Common = { dataDir, allowRequestsOnUnavailable: general.allow_requests_on_db_unavailable === true };
  const url = general.database_url ?? (env["DATABASE_URL"] === "" ? undefined : env["DATABASE_URL"]);
  if (url !== undefined) {
    return {
      ...common,
      kind: "postgres",
      url,
      poolLimit: general.database_connection_pool_limit ?? DEFAULT_POOL_LIMIT,
      connectionTimeoutMs: (general.database_connection_timeout ?? DEFAULT_CONNECTION_TIMEOUT_SECONDS) * 1000,
    };
  }
  return off ? { ...common, kind: "none" } : { ...common, kind: "pglite" };
}
