/**
 * N worker processes sharing one port (node:cluster), managed by a primary that does no request
 * work, so it stays responsive: it hosts the separate health app, replaces crashed workers,
 * recycles a worker after `max_requests_before_restart` (the new worker listens before the old
 * one drains, so no request is lost), and on SIGTERM drains every worker before exiting 0.
 *
 * A worker that cannot start (its port is in use, its database refuses it) reports why and
 * exits 1. Before any worker has listened, that stops the others and the primary fails with the
 * worker's report: restarting workers that can never listen would loop forever. Once one
 * listens, the gateway serves, and a worker that dies (booting or not) is replaced instead.
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
  // A worker that could not start, just before it exits 1: what it would have printed alone.
  | { readonly kind: "boot-failed"; readonly report: string }
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

/** The cluster could not start; the message is the failing worker's report, to be printed as is. */
export class ClusterStartError extends Error {
  constructor(report: string) {
    super(report);
    this.name = "ClusterStartError";
  }
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly graceMs: number;
  readonly logger: Logger;
  /** Called once, when the first worker listens. */
  readonly onFirstListening?: () => void;
  /** Closes what the primary hosts (health app, database, alert hub) once every worker is gone. */
  readonly close?: () => Promise<void>;
  /** Extra message handling (e.g. metrics aggregation). */
  readonly onMessage?: (worker: Worker, message: unknown) => void;
}

export interface PrimaryHandle {
  /** Workers currently listening (for readiness). */
  listening(): number;
  shuttingDown(): boolean;
  workers(): Worker[];
  /**
   * Resolves once a worker listens. Rejects with a ClusterStartError when a worker exits before
   * any has listened; the other workers are stopped and `close` has run by then.
   */
  readonly started: Promise<void>;
}

const CRASH_RESTART_DELAY_MS = 1000;
const ORPHAN_GRACE_MS = 5000;
/** A worker's boot report travels ahead of its exit; this long for it at most, once the exit is seen. */
const REPORT_WAIT_MS = 1000;

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return value !== null && typeof value === "object" && typeof (value as { kind?: unknown }).kind === "string";
}

/** What the primary says about a worker that exited before it listened, without a report of its own. */
export function silentExitReport(id: number, code: number | null, signal: string | null): string {
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? "?"}`;
  return `pharos: worker ${id} ${how} before it could listen (its output, if any, is above)`;
}

export function runPrimary(options: PrimaryOptions): PrimaryHandle {
  const { logger } = options;
  const listening = new Set<number>();
  /** Workers that have listened at least once. */
  const listened = new Set<number>();
  /** Why a worker could not start, as it reported it. */
  const bootReports = new Map<number, string>();
  /** Workers leaving on purpose (recycled or shutting down): their exit is not a crash. */
  const retiring = new Set<number>();
  let stopping = false;
  /** No worker has listened yet: a worker that exits now fails the start. */
  const starting = (): boolean => listened.size === 0;
  /** Set when the cluster could not start: `started` rejects with it once everything is stopped. */
  let startFailure: ClusterStartError | undefined;
  const { promise: started, resolve: resolveStarted, reject: rejectStarted } = Promise.withResolvers<void>();

  const fork = (): Worker => {
    const worker = cluster.fork({ PHAROS_WORKER: "1" });
    worker.on("message", (message: unknown) => onMessage(worker, message));
    return worker;
  };

  const liveWorkers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());

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
        const first = starting();
        listened.add(worker.id);
        // A worker still booting when the drain went out had no listener for it: drain it now.
        if (stopping) drainWorker(worker);
        if (!retiring.has(worker.id)) listening.add(worker.id);
        if (first) {
          options.onFirstListening?.();
          resolveStarted();
        }
      } else if (message.kind === "boot-failed") {
        bootReports.set(worker.id, message.report);
      } else if (message.kind === "recycle-me") {
        recycle(worker, message.served);
      }
    }
    options.onMessage?.(worker, message);
  };

  let finished = false;
  /** Every worker is gone: close what the primary hosts, then exit 0 or fail the start. */
  const finish = (): void => {
    if (finished) return;
    finished = true;
    void (options.close?.() ?? Promise.resolve())
      .catch((error: unknown) => logger.error({ err: error }, "closing the primary's services failed"))
      .finally(() => {
        if (startFailure === undefined) process.exit(0);
        rejectStarted(startFailure);
      });
  };

  /** Stops every worker: listening ones drain, ones still booting have nothing to drain and are ended. */
  const stopWorkers = (): void => {
    stopping = true;
    const workers = liveWorkers();
    if (workers.length === 0) {
      finish();
      return;
    }
    for (const worker of workers) {
      if (listened.has(worker.id)) drainWorker(worker);
      else {
        retiring.add(worker.id);
        worker.process.kill("SIGTERM");
      }
    }
    // Last resort: the workers' own grace deadline has passed and one is still alive.
    setTimeout(() => {
      logger.error("workers did not exit within the grace period; exiting");
      if (startFailure !== undefined) process.stderr.write(`${startFailure.message}\n`);
      process.exit(1);
    }, options.graceMs + 5000).unref();
  };

  const failStart = (worker: Worker, code: number | null, signal: string | null): void => {
    if (stopping) return;
    startFailure = new ClusterStartError(bootReports.get(worker.id) ?? silentExitReport(worker.id, code, signal));
    logger.error({ worker: worker.id, code, signal }, "a worker could not start; stopping the others");
    stopWorkers();
  };

  const replace = (worker: Worker, code: number | null, signal: string | null): void => {
    const report = bootReports.get(worker.id);
    bootReports.delete(worker.id);
    logger.error({ worker: worker.id, code, signal, ...(report === undefined ? {} : { report }) }, "worker exited unexpectedly; starting a replacement");
    setTimeout(() => {
      if (!stopping) fork();
    }, CRASH_RESTART_DELAY_MS);
  };

  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    const expected = retiring.delete(worker.id) || stopping;
    if (!expected) {
      // Its boot report may still be on the way: the channel closes after the last message is read.
      afterChannelClosed(worker, REPORT_WAIT_MS, () => (starting() ? failStart : replace)(worker, code, signal));
    }
    if (stopping && liveWorkers().length === 0) finish();
  });

  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    logger.info({ signal }, "draining workers before exit");
    stopWorkers();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  for (let i = 0; i < options.workers; i++) fork();
  return {
    listening: () => listening.size,
    shuttingDown: () => stopping,
    workers: liveWorkers,
    started,
  };
}

/** Runs `then` once the worker's channel has closed (every message it sent has been read), or after `waitMs`. */
function afterChannelClosed(worker: Worker, waitMs: number, then: () => void): void {
  if (!worker.isConnected()) {
    then();
    return;
  }
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    then();
  };
  const timer = setTimeout(once, waitMs);
  worker.once("disconnect", once);
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

/** How long a worker that cannot start waits for its report to reach the primary before it exits anyway. */
const REPORT_SEND_MS = 1000;

/**
 * A worker that could not start: tells the primary why (`report`, printed by the primary as is)
 * and exits 1. Without the exit, the open cluster channel would keep the process alive forever.
 */
export function exitWorkerBoot(report: string): void {
  const exit = (): void => process.exit(1);
  const message: WorkerMessage = { kind: "boot-failed", report };
  if (!sendToPrimary(message, exit)) exit();
  setTimeout(exit, REPORT_SEND_MS);
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
