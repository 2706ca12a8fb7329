/**
 * Metrics across cluster workers: one scrape returns the sum over every worker, whichever
 * worker (or the primary's standalone metrics port) receives it.
 *
 * - A worker that gets a scrape asks the primary (`metrics-scrape`); the primary asks every
 *   connected worker for a fresh snapshot (`metrics-collect` → `metrics-snapshot`), waits at
 *   most COLLECT_TIMEOUT_MS (a silent worker counts with its last snapshot), merges, and
 *   answers (`metrics-merged`). The scraping worker renders the merged snapshot.
 * - Snapshots are cumulative and REPLACE the worker's previous one: nothing is counted twice.
 * - A worker that leaves (recycled after max_requests_before_restart, drained, or crashed)
 *   sends its final snapshot before exiting; once its IPC channel has closed (so every message
 *   it sent has been read), the primary folds its last snapshot's counters and histograms into
 *   `retired`, which every later scrape adds. Gauges of a gone worker are dropped.
 * - Workers also push a snapshot every PUSH_INTERVAL_MS, which bounds what a crash can lose.
 */
import { sendToPrimary, sendToWorker } from "../ipc.ts";
import cluster from "node:cluster";
import type { Worker } from "node:cluster";
import type { Logger } from "pino";
import { isWorkerMessage } from "../cluster.ts";
import type { WorkerMessage } from "../cluster.ts";
import { mergeSnapshots } from "./merge.ts";
import type { InstrumentSpec, StoreSnapshot } from "./metric-store.ts";

export const COLLECT_TIMEOUT_MS = 1000;
const SCRAPE_TIMEOUT_MS = COLLECT_TIMEOUT_MS + 1000;
const PUSH_INTERVAL_MS = 10_000;

const EMPTY: StoreSnapshot = { series: {} };

interface Collection {
  readonly waiting: Set<number>;
  readonly done: () => void;
}

/** The primary's side: latest snapshot per live worker, plus what retired workers left. */
export class ClusterMetricsPrimary {
  private readonly specs: readonly InstrumentSpec[];
  private readonly local: () => StoreSnapshot;
  private readonly latest = new Map<number, StoreSnapshot>();
  private readonly gone = new Set<number>();
  private readonly collections = new Map<number, Collection>();
  private retired: StoreSnapshot = EMPTY;
  private nextId = 1;

  /** `local`: the primary's own snapshot (its process metrics). */
  constructor(specs: readonly InstrumentSpec[], local: () => StoreSnapshot) {
    this.specs = specs;
    this.local = local;
    cluster.on("disconnect", (worker) => this.retire(worker.id));
  }

  /** Feed every worker message here (runPrimary's onMessage). */
  onMessage(worker: Worker, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if (message.kind === "metrics-snapshot") {
      if (this.gone.has(worker.id)) return;
      this.latest.set(worker.id, message.snapshot);
      if (message.id !== 0) {
        const collection = this.collections.get(message.id);
        if (collection !== undefined) {
          collection.waiting.delete(worker.id);
          if (collection.waiting.size === 0) collection.done();
        }
      }
    } else if (message.kind === "metrics-scrape") {
      void this.collect().then((snapshot) => {
        const reply: WorkerMessage = { kind: "metrics-merged", id: message.id, snapshot };
        sendToWorker(worker, reply);
      });
    }
  }

  /** Folds a departed worker's last counters and histograms into `retired`, once. */
  retire(workerId: number): void {
    if (this.gone.has(workerId)) return;
    this.gone.add(workerId);
    const last = this.latest.get(workerId);
    this.latest.delete(workerId);
    for (const collection of this.collections.values()) {
      collection.waiting.delete(workerId);
      if (collection.waiting.size === 0) collection.done();
    }
    if (last !== undefined) this.retired = mergeSnapshots(this.specs, [this.retired, last], { cumulativeOnly: true });
  }

  /** Fresh snapshots from every connected worker (or their last), merged with the retired and the primary's own. */
  async collect(): Promise<StoreSnapshot> {
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected() && !this.gone.has(worker.id));
    if (workers.length > 0) {
      const id = this.nextId++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, COLLECT_TIMEOUT_MS);
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.collections.set(id, { waiting: new Set(workers.map((worker) => worker.id)), done: finish });
        const ask: WorkerMessage = { kind: "metrics-collect", id };
        // A worker that is leaving does not answer: its last snapshot counts.
        for (const worker of workers) sendToWorker(worker, ask);
      });
      this.collections.delete(id);
    }
    return mergeSnapshots(this.specs, [this.retired, ...this.latest.values(), this.local()]);
  }
}

export interface ClusterMetricsWorker {
  /** The cluster-wide snapshot (falls back to this worker's own if the primary does not answer). */
  scrapeSnapshot(): Promise<StoreSnapshot>;
  /** Sends this worker's final snapshot; resolves once it is written to the channel. */
  sendFinal(): Promise<void>;
  stop(): void;
}

/** The worker's side: answers collections, asks for merged scrapes, pushes now and then. */
export function attachClusterMetricsWorker(local: () => StoreSnapshot, logger: Logger): ClusterMetricsWorker {
  const waiting = new Map<number, (snapshot: StoreSnapshot | undefined) => void>();
  let nextId = 1;
  const send = (message: WorkerMessage, callback?: () => void): boolean => sendToPrimary(message, () => callback?.());
  const onMessage = (message: unknown): void => {
    if (!isWorkerMessage(message)) return;
    if (message.kind === "metrics-collect") {
      send({ kind: "metrics-snapshot", id: message.id, snapshot: local() });
    } else if (message.kind === "metrics-merged") {
      waiting.get(message.id)?.(message.snapshot);
    }
  };
  process.on("message", onMessage);
  const push = setInterval(() => send({ kind: "metrics-snapshot", id: 0, snapshot: local() }), PUSH_INTERVAL_MS);
  push.unref();

  return {
    async scrapeSnapshot() {
      const id = nextId++;
      const merged = await new Promise<StoreSnapshot | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), SCRAPE_TIMEOUT_MS);
        waiting.set(id, (snapshot) => {
          clearTimeout(timer);
          resolve(snapshot);
        });
        if (!send({ kind: "metrics-scrape", id })) {
          clearTimeout(timer);
          resolve(undefined);
        }
      });
      waiting.delete(id);
      if (merged !== undefined) return merged;
      logger.warn("the cluster primary did not answer a metrics scrape in time; serving this worker's metrics only");
      return local();
    },
    sendFinal() {
      return new Promise<void>((resolve) => {
        if (!send({ kind: "metrics-snapshot", id: 0, snapshot: local() }, resolve)) resolve();
      });
    },
    stop() {
      clearInterval(push);
      process.off("message", onMessage);
    },
  };
}
