/**
 * Spend rows leave the request through a bounded in-memory queue; the request never waits on
 * the database. The queue is written:
 * - every `proxy_batch_write_at` seconds, or as soon as `batchRows` rows are queued;
 * - one batch at a time per process (so spend holds at most one connection per worker);
 * - as ONE statement per batch: a multi-row INSERT (the batch is one JSON parameter read with
 *   json_to_recordset: one parameter whatever the batch size, no per-value escaping) chained
 *   with ONE aggregated UPDATE per key — no per-request UPDATE. Key rows are first locked in
 *   key order, so concurrent writers never deadlock.
 * Every row has its own id and the INSERT skips ids already present; the key UPDATE adds only
 * the rows actually inserted. So a batch retried after an unknown outcome (the connection
 * died during COMMIT) is neither lost nor counted twice.
 *
 * While the database is down, rows stay queued; beyond `maxQueued` the oldest half is spilled
 * to a file under `<data dir>/spill/` (NDJSON segments, oldest first). When the database
 * returns, spilled segments are written first, then the queue. Spill files left by a process
 * that died are adopted at start. On shutdown, what cannot be written is spilled.
 *
 * Spilling never blocks the request that crosses the bound: `enqueue` only moves the rows into a
 * new segment (in memory, already counted as spilled); the file is written asynchronously, one
 * segment at a time in order, and the rows are released from memory once it is on disk. Until
 * then (or for good, if the disk refuses it) the segment is written to the database from memory.
 * Spill files are read and removed asynchronously too.
 */
import { readdirSync, readFileSync, renameSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import type { DatabaseManager } from "../db/db-manager.ts";
import { isConnectivityError } from "../db/database.ts";
import type { Statement } from "../db/database.ts";
import { SPEND_COLUMNS } from "./spend-row.ts";
import type { SpendRow } from "./spend-row.ts";
import { processAlive } from "../process-alive.ts";

export const DEFAULT_BATCH_ROWS = 500;
export const DEFAULT_MAX_QUEUED = 10_000;
export const DEFAULT_FLUSH_INTERVAL_SECONDS = 10;
/** Rows per INSERT statement (a bigger backlog is written in several). */
const MAX_STATEMENT_ROWS = 1000;
const SPILL_PREFIX = "spend-";

export interface SpendWriterOptions {
  readonly db: DatabaseManager;
  readonly logger: Logger;
  readonly flushIntervalMs: number;
  readonly batchRows?: number;
  readonly maxQueued?: number;
  /** Where spill files go; undefined = no spilling (rows beyond the bound are dropped and counted). */
  readonly spillDir: string | undefined;
  /** false with `disable_spend_logs`: only key spend is written. */
  readonly writeRows: boolean;
  /** Spend that reached the database, per key hash (the key cache adds it). */
  readonly onCommitted?: (keyHash: string, amount: number) => void;
  /** Metrics hooks: a batch write failed; rows were dropped. */
  readonly onWriteFailed?: (error: unknown) => void;
  readonly onDropped?: (rows: number) => void;
}

export interface SpendWriterStats {
  /** Rows waiting in memory (including a batch being written). */
  readonly queued: number;
  /** Rows waiting in spill files. */
  readonly spilled: number;
  readonly written: number;
  readonly failedBatches: number;
  /** Rows lost (only without a spill directory, beyond the bound). */
  readonly dropped: number;
}

interface Segment {
  readonly path: string;
  readonly rows: number;
  /** The rows while the file is being written, or for good when it could not be (`state` "memory"). */
  memory: SpendRow[] | undefined;
  /** "writing": the file is queued or being written; "file": on disk only; "memory": the disk refused it. */
  state: "writing" | "file" | "memory";
  /** Written to the database already: its file is removed as soon as it exists. */
  taken: boolean;
}

/** A row read back from a spill file; files written before `metadata` existed get `{}`. */
function spilledRow(line: string): SpendRow {
  const row = JSON.parse(line) as Omit<SpendRow, "metadata"> & { metadata?: SpendRow["metadata"] };
  return { ...row, metadata: row.metadata ?? {} };
}

/** Column list of the recordset the batch is read from: `id uuid, request_id text, …`. */
const RECORD_TYPES = SPEND_COLUMNS.map(([column, type]) => `${column} ${type}`).join(", ");
const COLUMNS = SPEND_COLUMNS.map(([column]) => column).join(", ");

/** The batch as one JSON parameter (JSON.stringify is native and fast; no per-value escaping). */
function batchJson(rows: readonly SpendRow[]): string {
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const [column, , value] of SPEND_COLUMNS) record[column] = value(row);
    return record;
  });
  return JSON.stringify(records);
}

function insertStatement(rows: readonly SpendRow[]): Statement {
  return {
    text: `WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS r(${RECORD_TYPES})
), inserted AS (
  INSERT INTO pharos_spend_logs (${COLUMNS}) SELECT ${COLUMNS} FROM input
  ON CONFLICT (id) DO NOTHING
  RETURNING api_key, spend
), per_key AS (
  SELECT api_key, sum(spend) AS spend FROM inserted WHERE api_key IS NOT NULL AND spend <> 0 GROUP BY api_key
), updated AS (
  UPDATE pharos_keys k SET spend = k.spend + per_key.spend FROM per_key WHERE k.key_hash = per_key.api_key
  RETURNING k.key_hash, per_key.spend
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted,
       coalesce((SELECT json_agg(json_build_object('k', key_hash, 's', spend)) FROM updated), '[]'::json) AS keys`,
    params: [batchJson(rows)],
  };
}

/** With disable_spend_logs: only the aggregated key UPDATE. */
function keySpendStatement(totals: ReadonlyMap<string, number>): Statement {
  return {
    text: `WITH per_key AS (SELECT * FROM unnest($1::text[], $2::double precision[]) AS t(api_key, spend)),
updated AS (UPDATE pharos_keys k SET spend = k.spend + per_key.spend FROM per_key WHERE k.key_hash = per_key.api_key RETURNING k.key_hash, per_key.spend)
SELECT 0 AS inserted, coalesce((SELECT json_agg(json_build_object('k', key_hash, 's', spend)) FROM updated), '[]'::json) AS keys`,
    params: [[...totals.keys()], [...totals.values()]],
  };
}

function lockKeysStatement(keyHashes: readonly string[]): Statement {
  return { text: "SELECT key_hash FROM pharos_keys WHERE key_hash = ANY($1::text[]) ORDER BY key_hash FOR UPDATE", params: [[...keyHashes].sort()] };
}

function totalsOf(rows: readonly SpendRow[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const row of rows) if (row.apiKey !== null && row.spend !== 0) totals.set(row.apiKey, (totals.get(row.apiKey) ?? 0) + row.spend);
  return totals;
}

export class SpendWriter {
  private readonly db: DatabaseManager;
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;
  private readonly maxQueued: number;
  private readonly spillDir: string | undefined;
  private readonly writeRows: boolean;
  private readonly onCommitted: ((keyHash: string, amount: number) => void) | undefined;
  private readonly onWriteFailed: ((error: unknown) => void) | undefined;
  private readonly onDropped: ((rows: number) => void) | undefined;
  private queue: SpendRow[] = [];
  private inFlight: SpendRow[] = [];
  private readonly segments: Segment[] = [];
  private segmentSeq = 0;
  /** Spill files are written one at a time, in order, off the request path. */
  private spillChain: Promise<void> = Promise.resolve();
  private readonly pending = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private closed = false;
  private written = 0;
  private failedBatches = 0;
  private dropped = 0;
  private failing = false;

  constructor(options: SpendWriterOptions) {
    this.db = options.db;
    this.logger = options.logger.child({ component: "spend" });
    this.flushIntervalMs = options.flushIntervalMs;
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.maxQueued = Math.max(options.maxQueued ?? DEFAULT_MAX_QUEUED, 2);
    this.spillDir = options.spillDir;
    this.writeRows = options.writeRows;
    this.onCommitted = options.onCommitted;
    this.onWriteFailed = options.onWriteFailed;
    this.onDropped = options.onDropped;
  }

  /** Starts the flush timer and adopts spill files of processes that are gone. */
  start(): void {
    this.adoptSpills();
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
    this.db.onConnected(() => void this.flush());
  }

  /** O(1) on the request path: the row is queued; a full batch schedules a write; no I/O. */
  enqueue(row: SpendRow): void {
    if (this.closed) return;
    this.queue.push(row);
    if (row.apiKey !== null && row.spend !== 0) this.pending.set(row.apiKey, (this.pending.get(row.apiKey) ?? 0) + row.spend);
    if (this.queue.length >= this.batchRows && this.soon === undefined) {
      this.soon = setImmediate(() => {
        this.soon = undefined;
        void this.flush();
      });
    }
    if (this.queue.length > this.maxQueued) this.spill(Math.ceil(this.maxQueued / 2));
  }

  /** USD queued (or spilled) for this key and not yet in the database. */
  pendingSpend(keyHash: string): number {
    return this.pending.get(keyHash) ?? 0;
  }

  stats(): SpendWriterStats {
    return {
      queued: this.queue.length + this.inFlight.length,
      spilled: this.segments.reduce((sum, segment) => sum + segment.rows, 0),
      written: this.written,
      failedBatches: this.failedBatches,
      dropped: this.dropped,
    };
  }

  /** Writes everything queued (spilled segments first); resolves when done or the database fails. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer, writes what it can within `graceMs`, spills the rest. */
  async close(graceMs = 5000): Promise<void> {
    clearInterval(this.timer);
    if (this.soon !== undefined) clearImmediate(this.soon);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.db.state === "connected" && (this.queue.length > 0 || this.segments.length > 0 || this.flushing !== undefined)) {
      await this.flush();
      if (this.failing) break;
    }
    await this.flushing;
    this.closed = true;
    if (this.queue.length > 0) this.spill(this.queue.length);
    // Segments the disk refused earlier get one more try: on exit, memory is gone.
    for (const segment of this.segments) if (segment.state === "memory") this.queueWrite(segment);
    await this.whenSpilled();
  }

  /** Resolves once every spill segment handed over so far is on disk (or kept in memory). */
  whenSpilled(): Promise<void> {
    return this.spillChain;
  }

  private async drain(): Promise<void> {
    while (this.db.state === "connected") {
      const batch = await this.nextBatch();
      if (batch === undefined) return;
      const ok = await this.write(batch.rows);
      if (!ok) {
        batch.putBack();
        return;
      }
      await batch.done();
    }
  }

  /** The oldest rows: from the oldest spill segment (its memory, else its file), else from the queue. */
  private async nextBatch(): Promise<{ rows: SpendRow[]; done(): Promise<void>; putBack(): void } | undefined> {
    const segment = this.segments[0];
    if (segment !== undefined) {
      let rows = segment.memory;
      if (rows === undefined) {
        try {
          rows = (await readFile(segment.path, "utf8")).split("\n").filter((line) => line !== "").map(spilledRow);
        } catch (error) {
          this.logger.error({ err: error, file: segment.path }, "cannot read a spend spill file; it is left in place");
          this.segments.shift();
          return this.nextBatch();
        }
      }
      return {
        rows,
        done: async () => {
          this.segments.shift();
          segment.taken = true;
          segment.memory = undefined;
          // A file still being written is removed by its writer once it exists.
          if (segment.state === "file") await rm(segment.path, { force: true }).catch((error: unknown) => this.logger.warn({ err: error, file: segment.path }, "cannot remove a written spend spill file"));
        },
        putBack: () => undefined,
      };
    }
    if (this.queue.length === 0) return undefined;
    const rows = this.queue.splice(0, Math.min(this.queue.length, MAX_STATEMENT_ROWS));
    this.inFlight = rows;
    return {
      rows,
      done: async () => {
        this.inFlight = [];
      },
      putBack: () => {
        this.queue = rows.concat(this.queue);
        this.inFlight = [];
        if (this.queue.length > this.maxQueued) this.spill(Math.ceil(this.maxQueued / 2));
      },
    };
  }

  /** Writes `rows` (in statements of at most MAX_STATEMENT_ROWS); false when it must be retried. */
  private async write(rows: readonly SpendRow[]): Promise<boolean> {
    for (let i = 0; i < rows.length; i += MAX_STATEMENT_ROWS) {
      const chunk = rows.slice(i, i + MAX_STATEMENT_ROWS);
      const totals = totalsOf(chunk);
      const statements: Statement[] = [];
      if (totals.size > 0) statements.push(lockKeysStatement([...totals.keys()]));
      if (this.writeRows) statements.push(insertStatement(chunk));
      else if (totals.size > 0) statements.push(keySpendStatement(totals));
      if (statements.length === 0) continue;
      try {
        const results = await this.db.use((db) => db.transaction(statements), "spend_write");
        const summary = results[results.length - 1]!.rows[0] as { inserted: number; keys: Array<{ k: string; s: number }> | string };
        const keys = typeof summary.keys === "string" ? (JSON.parse(summary.keys) as Array<{ k: string; s: number }>) : summary.keys;
        for (const { k, s } of keys) this.onCommitted?.(k, Number(s));
        this.settle(totals);
        this.written += this.writeRows ? Number(summary.inserted) : chunk.length;
        if (this.failing) {
          this.failing = false;
          this.logger.warn("spend logs are being written again");
        }
      } catch (error) {
        this.failedBatches += 1;
        this.onWriteFailed?.(error);
        if (!isConnectivityError(error) && this.db.state === "connected") {
          // The rows themselves are the problem: write them one by one, dropping (and logging) the bad ones.
          await this.writeOneByOne(chunk);
          continue;
        }
        if (!this.failing) {
          this.failing = true;
          this.logger.error({ err: error instanceof Error ? error.message : String(error), queued: this.stats().queued }, "writing spend logs failed; rows stay queued until the database returns");
        }
        // Rows before this chunk were written: keep only the rest.
        if (i > 0) this.requeueTail(rows, i);
        return i > 0;
      }
    }
    return true;
  }

  private requeueTail(rows: readonly SpendRow[], from: number): void {
    this.queue = rows.slice(from).concat(this.queue);
  }

  private async writeOneByOne(rows: readonly SpendRow[]): Promise<void> {
    for (const row of rows) {
      const totals = totalsOf([row]);
      try {
        await this.db.use((db) => db.transaction(this.writeRows ? [insertStatement([row])] : [keySpendStatement(totals)]), "spend_write");
        for (const [k, s] of totals) this.onCommitted?.(k, s);
        this.written += 1;
      } catch (error) {
        this.dropped += 1;
        this.onDropped?.(1);
        this.logger.error({ err: error instanceof Error ? error.message : String(error), requestId: row.requestId }, "a spend row was rejected by the database and dropped");
      }
      this.settle(totals);
    }
  }

  private settle(totals: ReadonlyMap<string, number>): void {
    for (const [keyHash, amount] of totals) {
      const left = (this.pending.get(keyHash) ?? 0) - amount;
      if (left > 1e-12) this.pending.set(keyHash, left);
      else this.pending.delete(keyHash);
    }
  }

  /**
   * Moves the oldest `count` queued rows to a new spill segment (or drops them without a spill
   * dir). No I/O here (this runs on the request that crossed the bound): the file is written by
   * `writeSegment`, chained after the previous segment's.
   */
  private spill(count: number): void {
    const rows = this.queue.splice(0, count);
    if (rows.length === 0) return;
    if (this.spillDir === undefined) {
      this.dropped += rows.length;
      this.onDropped?.(rows.length);
      this.logger.error({ dropped: rows.length }, "the spend queue is full and no spill directory is set: rows dropped");
      return;
    }
    const path = join(this.spillDir, `${SPILL_PREFIX}${process.pid}-${Date.now()}-${String(this.segmentSeq++).padStart(6, "0")}.ndjson`);
    const segment: Segment = { path, rows: rows.length, memory: rows, state: "writing", taken: false };
    this.segments.push(segment);
    this.queueWrite(segment);
  }

  /** Queues a segment's file write behind the ones before it. */
  private queueWrite(segment: Segment): void {
    segment.state = "writing";
    this.spillChain = this.spillChain.then(() => this.writeSegment(segment));
  }

  /** Writes a segment's file, then releases its rows from memory (or keeps them there if the disk refuses). */
  private async writeSegment(segment: Segment): Promise<void> {
    const rows = segment.memory;
    if (segment.taken || rows === undefined) return; // already in the database: no file needed
    try {
      await mkdir(dirname(segment.path), { recursive: true });
      await writeFile(segment.path, `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`);
    } catch (error) {
      segment.state = "memory";
      this.logger.error({ err: error instanceof Error ? error.message : String(error), rows: rows.length }, "cannot spill spend rows to disk; they stay in memory");
      return;
    }
    if (segment.taken) {
      // Written to the database while the file was being written.
      await rm(segment.path, { force: true }).catch(() => undefined);
      return;
    }
    segment.state = "file";
    segment.memory = undefined;
    this.logger.warn({ rows: rows.length, file: segment.path }, "the spend queue is full: oldest rows spilled to disk until the database returns");
  }

  /** Takes over spill segments written by processes that no longer run. */
  private adoptSpills(): void {
    if (this.spillDir === undefined) return;
    let names: string[];
    try {
      names = readdirSync(this.spillDir).filter((name) => name.startsWith(SPILL_PREFIX) && name.endsWith(".ndjson")).sort((a, b) => {
        const at = Number(a.split("-")[2]);
        const bt = Number(b.split("-")[2]);
        return at - bt || a.localeCompare(b);
      });
    } catch {
      return;
    }
    for (const name of names) {
      const pid = Number(name.split("-")[1]);
      if (pid === process.pid || (Number.isInteger(pid) && processAlive(pid))) continue;
      const adopted = join(this.spillDir, `${SPILL_PREFIX}${process.pid}-${name.split("-")[2]}-adopted-${String(this.segmentSeq++).padStart(6, "0")}.ndjson`);
      try {
        renameSync(join(this.spillDir, name), adopted);
        const rows = readFileSync(adopted, "utf8").split("\n").filter((line) => line !== "").length;
        this.segments.push({ path: adopted, rows, memory: undefined, state: "file", taken: false });
        this.logger.warn({ file: name, rows }, "adopted spend rows spilled by a previous process");
      } catch {
        // another process adopted it first
      }
    }
  }
}
