/**
 * RouterState shared by the workers of one `pharos serve --num-workers N` when there is no
 * Redis: each worker keeps a local view (memory-state.ts) and tells its siblings, through the
 * cluster primary, what it saw — cooldowns at once, failures at once, usage increments batched
 * every few milliseconds, in-flight counts a few times a second. So rpm limits hold for the
 * whole process group (not N times over) and a deployment cooled by one worker is skipped by all.
 * Reads stay local and synchronous; IPC never sits on the response path.
 *
 * The primary only relays (RouterSyncRelay): it forwards each message to the other workers,
 * remembers running cooldowns for workers that start later (recycling), and announces workers
 * that exit so their in-flight counts are dropped.
 */
import { sendToWorker } from "../ipc.ts";
import type { Worker } from "node:cluster";
import { MemoryRouterState } from "./memory-state.ts";
import { minuteOf } from "./router-state.ts";
import type { Cooldown, MinuteUsage, RateLimits, RemoteCooldownListener, RouterState } from "./router-state.ts";

export type RouterSyncPayload =
  | { readonly t: "cooldown"; readonly id: string; readonly until: number; readonly reason: string }
  | { readonly t: "failure"; readonly id: string; readonly bucket: string; readonly windowMs: number }
  | { readonly t: "usage"; readonly minute: number; readonly entries: ReadonlyArray<readonly [string, number, number]> }
  | { readonly t: "inflight"; readonly counts: ReadonlyArray<readonly [string, number]> }
  | { readonly t: "gone" };

export interface RouterSyncMessage {
  readonly kind: "router-sync";
  /** The worker the payload comes from (set by the primary when it relays). */
  readonly from?: number;
  readonly payload: RouterSyncPayload;
}

export function isRouterSyncMessage(value: unknown): value is RouterSyncMessage {
  if (value === null || typeof value !== "object") return false;
  const record = value as { kind?: unknown; payload?: unknown };
  return record.kind === "router-sync" && record.payload !== null && typeof record.payload === "object";
}

export interface ClusterStateOptions {
  /** Sends a message to the primary (process.send). */
  readonly send: (message: RouterSyncMessage) => void;
  /** Subscribes to messages from the primary. */
  readonly subscribe: (listener: (message: unknown) => void) => void;
  readonly shareUsage: boolean;
  readonly shareInFlight: boolean;
  readonly flushDelayMs?: number;
  readonly inFlightIntervalMs?: number;
}

interface OthersUsage {
  minute: number;
  requests: number;
  tokens: number;
}

const NO_USAGE: MinuteUsage = { requests: 0, tokens: 0 };

export class ClusterRouterState implements RouterState {
  readonly kind = "cluster" as const;
  private readonly local = new MemoryRouterState();
  private readonly options: ClusterStateOptions;
  private readonly listeners: RemoteCooldownListener[] = [];
  private readonly othersUsage = new Map<string, OthersUsage>();
  private readonly othersInFlight = new Map<number, Map<string, number>>();
  private readonly pendingUsage = new Map<string, [number, number]>();
  private pendingMinute = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private inFlightTimer: NodeJS.Timeout | undefined;
  private lastInFlight = "";
  private lastInFlightSentAt = 0;

  constructor(options: ClusterStateOptions) {
    this.options = options;
    options.subscribe((message) => {
      if (isRouterSyncMessage(message) && message.from !== undefined) this.receive(message.from, message.payload);
    });
  }

  private send(payload: RouterSyncPayload): void {
    try {
      this.options.send({ kind: "router-sync", payload });
    } catch {
      // The primary is gone (the worker is shutting down): local state still serves.
    }
  }

  /** Applies what a sibling worker reported. */
  receive(from: number, payload: RouterSyncPayload): void {
    const now = Date.now();
    switch (payload.t) {
      case "cooldown": {
        const known = this.local.cooldown(payload.id, now);
        if (payload.until <= now || (known !== undefined && known.until >= payload.until)) return;
        const cooldown: Cooldown = { until: payload.until, reason: payload.reason };
        this.local.startCooldown(payload.id, cooldown);
        for (const listener of this.listeners) listener(payload.id, cooldown);
        return;
      }
      case "failure":
        this.local.countFailure(payload.id, payload.bucket, payload.windowMs, now);
        return;
      case "usage":
        for (const [id, requests, tokens] of payload.entries) {
          let cell = this.othersUsage.get(id);
          if (cell === undefined || cell.minute !== payload.minute) this.othersUsage.set(id, (cell = { minute: payload.minute, requests: 0, tokens: 0 }));
          cell.requests += requests;
          cell.tokens += tokens;
        }
        return;
      case "inflight":
        this.othersInFlight.set(from, new Map(payload.counts));
        return;
      case "gone":
        this.othersInFlight.delete(from);
        return;
    }
  }

  cooldown(deploymentId: string, now: number): Cooldown | undefined {
    return this.local.cooldown(deploymentId, now);
  }

  startCooldown(deploymentId: string, cooldown: Cooldown): void {
    this.local.startCooldown(deploymentId, cooldown);
    this.send({ t: "cooldown", id: deploymentId, until: cooldown.until, reason: cooldown.reason });
  }

  onRemoteCooldown(listener: RemoteCooldownListener): void {
    this.listeners.push(listener);
  }

  /** Siblings' failures are counted here as they arrive, so the count is the group's. */
  countFailure(deploymentId: string, bucket: string, windowMs: number, now: number): number {
    this.send({ t: "failure", id: deploymentId, bucket, windowMs });
    return this.local.countFailure(deploymentId, bucket, windowMs, now);
  }

  clearFailures(deploymentId: string): void {
    this.local.clearFailures(deploymentId);
  }

  usage(deploymentId: string, now: number): MinuteUsage {
    const own = this.local.usage(deploymentId, now);
    if (!this.options.shareUsage) return own;
    const others = this.othersUsage.get(deploymentId);
    if (others === undefined || others.minute !== minuteOf(now)) return own;
    if (own === NO_USAGE || own.requests + own.tokens === 0) return others;
    return { requests: own.requests + others.requests, tokens: own.tokens + others.tokens };
  }

  addUsage(deploymentId: string, requests: number, tokens: number, now: number): void {
    this.local.addUsage(deploymentId, requests, tokens, now);
    if (!this.options.shareUsage) return;
    const minute = minuteOf(now);
    if (minute !== this.pendingMinute) {
      this.flushUsage();
      this.pendingMinute = minute;
    }
    const entry = this.pendingUsage.get(deploymentId);
    if (entry === undefined) this.pendingUsage.set(deploymentId, [requests, tokens]);
    else {
      entry[0] += requests;
      entry[1] += tokens;
    }
    this.flushTimer ??= setTimeout(() => this.flushUsage(), this.options.flushDelayMs ?? 10);
  }

  /** Counted like any usage: siblings learn it within the IPC batch (no reservation through the primary). */
  countRequest(deploymentId: string, _limits: RateLimits, now: number): true {
    this.addUsage(deploymentId, 1, 0, now);
    return true;
  }

  private flushUsage(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingUsage.size === 0) return;
    const entries = [...this.pendingUsage].map(([id, [requests, tokens]]) => [id, requests, tokens] as const);
    this.pendingUsage.clear();
    this.send({ t: "usage", minute: this.pendingMinute, entries });
  }

  inFlight(deploymentId: string): number {
    let total = this.local.inFlight(deploymentId);
    for (const counts of this.othersInFlight.values()) total += counts.get(deploymentId) ?? 0;
    return total;
  }

  acquire(deploymentId: string): void {
    this.local.acquire(deploymentId);
  }

  release(deploymentId: string): void {
    this.local.release(deploymentId);
  }

  private shareInFlight(): void {
    const counts = [...this.local.localInFlight()].filter(([, count]) => count > 0);
    const text = JSON.stringify(counts);
    const now = Date.now();
    if (text === this.lastInFlight && now - this.lastInFlightSentAt < 1000) return;
    this.lastInFlight = text;
    this.lastInFlightSentAt = now;
    this.send({ t: "inflight", counts });
  }

  async start(): Promise<void> {
    if (!this.options.shareInFlight) return;
    this.inFlightTimer = setInterval(() => this.shareInFlight(), this.options.inFlightIntervalMs ?? 100);
    this.inFlightTimer.unref();
  }

  async close(): Promise<void> {
    if (this.inFlightTimer !== undefined) clearInterval(this.inFlightTimer);
    this.flushUsage();
  }
}

/**
 * The primary's side: forwards every router-sync message to the other workers, replays running
 * cooldowns to a worker that starts listening, and announces workers that are gone.
 */
export class RouterSyncRelay {
  private readonly workers: () => readonly Worker[];
  private readonly cooldowns = new Map<string, { until: number; reason: string }>();

  constructor(workers: () => readonly Worker[]) {
    this.workers = workers;
  }

  private broadcast(message: RouterSyncMessage, except: number | undefined): void {
    for (const worker of this.workers()) {
      if (worker.id !== except) sendToWorker(worker, message);
    }
  }

  /** Call with every message a worker sends (other kinds are ignored). */
  onMessage(worker: Worker, message: unknown): void {
    if (isRouterSyncMessage(message)) {
      const payload = message.payload;
      if (payload.t === "cooldown") this.cooldowns.set(payload.id, { until: payload.until, reason: payload.reason });
      this.broadcast({ kind: "router-sync", from: worker.id, payload }, worker.id);
      return;
    }
    if ((message as { kind?: unknown } | null)?.kind === "listening") this.replay(worker);
  }

  /** A worker that starts late (a recycled worker's replacement) learns the running cooldowns. */
  private replay(worker: Worker): void {
    const now = Date.now();
    for (const [id, cooldown] of this.cooldowns) {
      if (cooldown.until <= now) {
        this.cooldowns.delete(id);
        continue;
      }
      sendToWorker(worker, { kind: "router-sync", from: 0, payload: { t: "cooldown", id, ...cooldown } } satisfies RouterSyncMessage);
    }
  }

  onExit(worker: Worker): void {
    this.broadcast({ kind: "router-sync", from: worker.id, payload: { t: "gone" } }, worker.id);
  }
}
