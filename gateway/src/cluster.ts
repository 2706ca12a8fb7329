/**
 * N worker processes sharing one port (node:cluster), managed by a primary that does no request
 * work, so it stays responsive: it hosts the separate health app, replaces crashed workers,
 * recycles a worker after `max_requests_before_restart` (the new worker listens before the old
 * one drains, so no request is lost), and on SIGTERM drains every worker before exiting 0.
 */
import cluster from "node:cluster";
import type { Worker } from "node:cluster";
import type { Logger } from "pino";
import { sendToPrimary, sendToWorker } from "./ipc.ts";
import type { AlertEvent } from "./alerting/events.ts";
import type { StoreSnapshot } from "./telemetry/metric-store.ts";

/** Messages between primary and workers (extend the union; `kind` is the discriminator). */
export type WorkerMessage =
  | { readonly kind: "listening" }
  | { readonly kind: "recycle-me"; readonly served: number }
  | { readonly kind: "drain"; readonly graceMs: number }
  // Metrics across workers (telemetry/cluster-metrics.ts): a worker asks for a cluster scrape,
  // the primary collects every worker's snapshot and answers with the merge.
  | { readonly kind: "metrics-scrape"; readonly id: number }
  | { readonly kind: "metrics-collect"; readonly id: number }
  | { readonly kind: "metrics-snapshot"; readonly id: number; readonly snapshot: StoreSnapshot }
  | { readonly kind: "metrics-merged"; readonly id: number; readonly snapshot: StoreSnapshot }
  // Slack alerting (alerting/events.ts): a worker ships what its alert producer saw to the alert
  // hub in the primary (alerting/hub-host.ts), every few hundred ms while there is something, and at drain.
  | { readonly kind: "alert-events"; readonly events: readonly AlertEvent[] };

export interface PrimaryOptions {
  readonly workers: number;
  readonly graceMs: number;
  readonly logger: Logger;
  /** Called once the first worker listens; returns a closer (the health app). */
  readonly onFirstListening?: () => Promise<() => Promise<void>>;
  /** Extra message handling (e.g. metrics aggregation). */
  readonly onMessage?: (worker: Worker, message: unknown) => void;
}

export interface PrimaryHandle {
  /** Workers currently listening (for readiness). */
  listening(): number;
  shuttingDown(): boolean;
  workers(): Worker[];
}

const CRASH_RESTART_DELAY_MS = 1000;
const ORPHAN_GRACE_MS = 5000;

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return value !== null && typeof value === "object" && typeof (value as { kind?: unknown }).kind === "string";
}

export function runPrimary(options: PrimaryOptions): PrimaryHandle {
  const { logger } = options;
  const listening = new Set<number>();
  /** Workers leaving on purpose (recycled or shutting down): their exit is not a crash. */
  const retiring = new Set<number>();
  let stopping = false;
  let closeExtras: (() => Promise<void>) | undefined;
  let firstListening = true;

  const fork = (): Worker => {
    const worker = cluster.fork({ PHAROS_WORKER: "1" });
    worker.on("message", (message: unknown) => onMessage(worker, message));
    return worker;
  };

  const drainWorker = (worker: Worker): void => {
    retiring.add(worker.id);
    listening.delete(worker.id);
    const message: WorkerMessage = { kind: "drain", graceMs: options.graceMs };
    sendToWorker(worker, message);
  };

  const recycle = (old: Worker, served: number): void => {
    if (retiring.has(old.id) || stopping) return;
    retiring.add(old.id);
    logger.info({ worker: old.id, served }, "recycling worker after max_requests_before_restart");
    const replacement = fork();
    // The old worker drains only once its replacement accepts connections.
    const onReplacementMessage = (message: unknown): void => {
      if (isWorkerMessage(message) && message.kind === "listening") {
        replacement.off("message", onReplacementMessage);
        drainWorker(old);
      }
    };
    replacement.on("message", onReplacementMessage);
  };

  const onMessage = (worker: Worker, message: unknown): void => {
    if (isWorkerMessage(message)) {
      if (message.kind === "listening") {
        // A worker still booting when the drain went out had no listener for it: drain it now.
        if (stopping) drainWorker(worker);
        if (!retiring.has(worker.id)) listening.add(worker.id);
        if (firstListening && options.onFirstListening !== undefined) {
          firstListening = false;
          options
            .onFirstListening()
            .then((close) => {
              closeExtras = close;
            })
            .catch((error: unknown) => logger.error({ err: error }, "the health app failed to start"));
        }
      } else if (message.kind === "recycle-me") {
        recycle(worker, message.served);
      }
    }
    options.onMessage?.(worker, message);
  };

  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    const expected = retiring.delete(worker.id) || stopping;
    if (!expected) {
      logger.error({ worker: worker.id, code, signal }, "worker exited unexpectedly; starting a replacement");
      setTimeout(() => {
        if (!stopping) fork();
      }, CRASH_RESTART_DELAY_MS);
    }
    if (stopping && Object.keys(cluster.workers ?? {}).length === 0) {
      void (closeExtras?.() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });

  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining workers before exit");
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) drainWorker(worker);
    // Last resort: the workers' own grace deadline has passed and one is still alive.
    setTimeout(() => {
      logger.error("workers did not exit within the grace period; exiting");
      process.exit(1);
    }, options.graceMs + 5000).unref();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  for (let i = 0; i < options.workers; i++) fork();
  return {
    listening: () => listening.size,
    shuttingDown: () => stopping,
    workers: () => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined),
  };
}

export interface WorkerOptions {
  /** Ask the primary for a replacement after this many requests (0 = never). */
  readonly maxRequests: number;
  /** Number of requests served so far. */
  readonly served: () => number;
  readonly drain: (graceMs: number) => Promise<void>;
  /** Runs after the drain, before exit (the final metrics snapshot to the primary). */
  readonly beforeExit?: () => Promise<void>;
}

/** Wires a worker to its primary: announces listening, asks to be recycled, drains on request. */
export function attachWorker(options: WorkerOptions): { noteRequest(): void } {
  const send = (message: WorkerMessage): void => {
    sendToPrimary(message);
  };
  let asked = false;
  let draining = false;
  const drain = (graceMs: number): void => {
    if (draining) return;
    draining = true;
    void options
      .drain(graceMs)
      .then(() => options.beforeExit?.())
      .finally(() => process.exit(0));
  };
  process.on("message", (message: unknown) => {
    if (isWorkerMessage(message) && message.kind === "drain") drain(message.graceMs);
  });
  // A terminal's Ctrl+C reaches every process of the group: the primary coordinates, workers wait.
  process.on("SIGINT", () => undefined);
  process.on("SIGTERM", () => undefined);
  // The primary is gone (killed): finish what is in flight and leave.
  process.on("disconnect", () => drain(ORPHAN_GRACE_MS));
  send({ kind: "listening" });
  return {
    noteRequest() {
      if (asked || options.maxRequests <= 0) return;
      if (options.served() >= options.maxRequests) {
        asked = true;
        send({ kind: "recycle-me", served: options.served() });
      }
    },
  };
}
