/**
 * Test support for the database, Redis and their outages (keys, spend, cache tests):
 * - createTestDatabase(): a fresh `pharos_test_<random>` database on the machine's PostgreSQL,
 *   dropped by dropTestDatabases() (afterAll);
 * - testRedisPrefix() / deleteRedisKeys(): a private key prefix per test file, cleaned up after;
 * - startTcpProxy(): a TCP proxy in front of a server that a test can cut and restore, to
 *   simulate an outage without stopping the machine's PostgreSQL or Redis.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { Redis } from "ioredis";
import pg from "pg";

/** The machine's PostgreSQL (trust auth); override with PHAROS_TEST_PG_URL. */
export const PG_ADMIN_URL = process.env["PHAROS_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_HOST = process.env["PHAROS_TEST_REDIS_HOST"] ?? "127.0.0.1";
export const REDIS_PORT = Number(process.env["PHAROS_TEST_REDIS_PORT"] ?? 6379);

const databases: string[] = [];

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** The same database through another host:port (a proxy). */
  urlVia(port: number): string;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `pharos_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  databases.push(name);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    urlVia(port: number) {
      const via = new URL(url);
      via.hostname = "127.0.0.1";
      via.port = String(port);
      return via.toString();
    },
  };
}

/** Queries a test database with a short-lived client. */
export async function queryTestDatabase<R = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

export async function dropTestDatabases(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (const name of databases.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export function testRedisPrefix(): string {
  return `pharos-test-${randomBytes(5).toString("hex")}:`;
}

/** Deletes every Redis key under `prefix` (SCAN, never KEYS). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

export async function countRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = "0";
    let count = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      count += keys.length;
    } while (cursor !== "0");
    return count;
  } finally {
    redis.disconnect();
  }
}

export interface TcpProxy {
  readonly port: number;
  /** Drops every open connection and refuses new ones (the server looks down). */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  /** Client connections open through the proxy now. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 to `targetHost:targetPort`. */
export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = new (client.constructor as typeof Socket)();
    upstream.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    clients.add(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      clients.delete(client);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      clients.clear();
    },
    restore() {
      down = false;
    },
    connections: () => clients.size,
    async close() {
      down = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
