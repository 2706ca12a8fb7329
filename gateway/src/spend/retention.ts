/**
 * `general_settings.maximum_spend_logs_retention_period`: spend rows older than the period are
 * deleted every `maximum_spend_logs_retention_interval` (default 1 day; also once shortly after
 * boot), in small batches so the table never sees a long lock or a huge transaction.
 * SKIP LOCKED lets several instances run the sweep at once without waiting on each other.
 */
import type { Logger } from "pino";
import type { DatabaseManager } from "../db/db-manager.ts";

export const RETENTION_BATCH_ROWS = 1000;
const PAUSE_BETWEEN_BATCHES_MS = 20;
const FIRST_RUN_DELAY_MS = 5000;

export interface SpendRetentionOptions {
  readonly db: DatabaseManager;
  readonly logger: Logger;
  readonly periodSeconds: number;
  readonly intervalSeconds: number;
  readonly batchRows?: number;
}

export class SpendRetention {
  private readonly options: SpendRetentionOptions;
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private closed = false;

  constructor(options: SpendRetentionOptions) {
    this.options = options;
  }

  start(): void {
    this.first = setTimeout(() => void this.runOnce().catch(() => undefined), FIRST_RUN_DELAY_MS);
    this.first.unref();
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Deletes the rows past the retention period; resolves to how many. */
  runOnce(now: Date = new Date()): Promise<number> {
    this.running ??= this.sweep(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.first);
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async sweep(now: Date): Promise<number> {
    const { db, logger, periodSeconds } = this.options;
    const batch = this.options.batchRows ?? RETENTION_BATCH_ROWS;
    if (db.state !== "connected") return 0;
    const cutoff = new Date(now.getTime() - periodSeconds * 1000).toISOString();
    let total = 0;
    try {
      while (!this.closed) {
        const { rowCount } = await db.use((database) =>
          database.query(
            `DELETE FROM pharos_spend_logs WHERE id IN (
               SELECT id FROM pharos_spend_logs WHERE start_time < $1::timestamptz ORDER BY start_time LIMIT $2 FOR UPDATE SKIP LOCKED
             )`,
            [cutoff, batch],
          ),
        "spend_retention",
        );
        total += rowCount;
        if (rowCount < batch) break;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
      }
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error), deleted: total }, "the spend-log retention sweep stopped early; it runs again at the next interval");
      return total;
    }
    if (total > 0) logger.info({ deleted: total, olderThan: cutoff }, "deleted spend logs past the retention period");
    return total;
  }
}
