import { EventEmitter } from "node:events";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../../../tests/support/temp-dir.ts";
import { configSchema } from "../config/schema.ts";
import { DatabaseManager } from "./db-manager.ts";
import { databaseSettings } from "./db-settings.ts";
import { DatabaseHost, IpcDatabase } from "./ipc-database.ts";
import type { Channel, DbRequest } from "./ipc-database.ts";

const silent = pino({ level: "silent" });

afterAll(() => removeTempDirs());

/** A worker ↔ primary channel in one process, JSON-serialised like the cluster channel. */
function pair(host: DatabaseHost | undefined): Channel {
  const toWorker = new EventEmitter();
  const worker = {
    isConnected: () => true,
    send: (message: unknown) => {
      setImmediate(() => toWorker.emit("message", JSON.parse(JSON.stringify(message))));
      return true;
    },
  };
  return {
    send: (message: DbRequest) => setImmediate(() => host?.onMessage(worker, JSON.parse(JSON.stringify(message)))),
    onReply: (listener) => {
      toWorker.on("message", listener);
      return () => toWorker.off("message", listener);
    },
  };
}

describe("the embedded database hosted by the primary", () => {
  it("serves several workers through one PGlite, migrated once by the host", async () => {
    const settings = databaseSettings(configSchema.parse({}), { PHAROS_DATA_DIR: tempDir("pharos-host-") });
    const host = new DatabaseHost(new DatabaseManager({ settings, logger: silent }));
    host.manager.start();
    await host.manager.settled(30_000);
    expect(host.manager.state).toBe("connected");
    const workers = [0, 1].map(() => new DatabaseManager({ settings, logger: silent, hostChannel: pair(host) }));
    try {
      for (const worker of workers) worker.start();
      await Promise.all(workers.map((worker) => worker.settled(10_000)));
      expect(workers.map((worker) => worker.state)).toEqual(["connected", "connected"]);
      await workers[0]!.use((db) => db.query("INSERT INTO pharos_keys (key_hash, key_name, expires_at) VALUES ($1, $2, $3)", ["ipc-key", "sk-...ipc", new Date("2031-01-01T00:00:00Z")]));
      const { rows } = await workers[1]!.use((db) => db.query<{ key_name: string; expires_at: string }>("SELECT key_name, expires_at FROM pharos_keys WHERE key_hash = 'ipc-key'"));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.key_name).toBe("sk-...ipc");
      expect(new Date(rows[0]!.expires_at).toISOString()).toBe("2031-01-01T00:00:00.000Z"); // JSON: an ISO string
      const results = await workers[1]!.use((db) => db.transaction([{ text: "SELECT 1 AS a" }, { text: "SELECT $1::int AS b", params: [2] }]));
      expect(results.map((result) => result.rows[0])).toEqual([{ a: 1 }, { b: 2 }]);
      const failure = await workers[0]!.use((db) => db.query("SELECT nope FROM nowhere")).then(() => undefined, (error: unknown) => error as Error & { code?: string });
      expect(failure?.message).toContain("nowhere");
      expect(failure?.code).toBe("42P01");
      expect(workers[0]!.state).toBe("connected"); // a bad statement is not an outage
    } finally {
      for (const worker of workers) await worker.close();
      await host.close();
    }
  });

  it("reports the database down when the primary does not answer", async () => {
    const client = new IpcDatabase(pair(undefined), 300);
    const started = Date.now();
    const error = await client.query("SELECT 1").then(() => undefined, (caught: unknown) => caught as Error & { code?: string });
    expect(error?.code).toBe("EDBHOST");
    expect(error?.message).toContain("does it host the embedded database");
    expect(Date.now() - started).toBeLessThan(3000);
    await client.close();
  });
});
