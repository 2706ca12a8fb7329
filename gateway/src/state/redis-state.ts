/**
 * RouterState shared by every instance through Redis, without a Redis round trip on the
 * response path:
 * - reads come from a local view (memory-state.ts plus what other instances reported);
 * - a cooldown is written to a hash and published at once; every instance subscribes, so the
 *   others skip the deployment within milliseconds (a short poll re-reads the hash, which also
 *   covers messages missed while reconnecting);
 * - failure counters are INCRemented with the window as TTL; the reply (the count across
 *   instances) may cool the deployment after the fact;
 * - per-minute usage is batched (one pipeline every few ms) and read back on the poll, and each
 *   reply refreshes the view, so rpm/tpm limits hold across instances to within one poll;
 * - in-flight counts (for least-busy) are published per instance on the poll, with a TTL, so a
 *   crashed instance's counts expire.
 * When Redis is unreachable every write is skipped, the view keeps serving from local state,
 * the pool logs the outage once, and the next poll after Redis returns resynchronises.
 */
import { randomUUID } from "node:crypto";
import type * as IoRedis from "ioredis";
import type { Redis } from "ioredis";
import { lazyModule } from "../lazy-module.ts";

const ioredis = lazyModule<typeof IoRedis>("ioredis");
import type { ChainableCommander } from "ioredis";
import type { Logger } from "pino";
import { errorClasses } from "../config/schema.ts";
import type { RedisPool } from "../stores/redis.ts";
import { MemoryRouterState } from "./memory-state.ts";
import { minuteOf } from "./router-state.ts";
import type { Cooldown, MinuteUsage, RemoteCooldownListener, RouterState } from "./router-state.ts";

export interface RedisStateOptions {
  readonly pool: RedisPool;
  readonly logger: Logger;
  /** Share per-minute usage (some deployment has rpm/tpm, or usage-based routing). */
  readonly shareUsage: boolean;
  /** Share in-flight counts (least-busy routing). */
  readonly shareInFlight: boolean;
  /** Milliseconds between polls of the shared view (default 200). */
  readonly syncIntervalMs?: number;
  /** Milliseconds usage increments wait to be batched (default 20). */
  readonly flushDelayMs?: number;
}

interface UsageView {
  minute: number;
  /** Totals across instances, as last read from Redis. */
  sharedRequests: number;
  sharedTokens: number;
  /** Ours, not yet sent. */
  unsentRequests: number;
  unsentTokens: number;
  /** Ours, sent and not yet acknowledged. */
  unackedRequests: number;
  unackedTokens: number;
}

interface CooldownMessage {
  readonly id: string;
  readonly until: number;
  readonly reason: string;
  readonly from: string;
}

const COOLDOWNS_KEY = "router:cooldowns";
/** The failure counters a deployment can have (cooldown-policy.ts: "all" or an error class). */
const FAILURE_BUCKETS = ["all", ...errorClasses];
const INSTANCES_KEY = "router:instances";
const USAGE_TTL_SECONDS = 120;
/** An instance that has not reported for this long is ignored (its in-flight counts too). */
const INSTANCE_STALE_MS = 3000;
/** Cooldown entries this long past their end are removed from the hash. */
const COOLDOWN_SWEEP_MS = 60_000;

function usageKey(minute: number): string {
  return `router:usage:${minute}`;
}

function isCooldownMessage(value: unknown): value is CooldownMessage {
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  return typeof record["id"] === "string" && typeof record["until"] === "number" && typeof record["reason"] === "string" && typeof record["from"] === "string";
}

function parseCooldown(text: string): Cooldown | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object") return undefined;
    const record = value as Record<string, unknown>;
    return typeof record["until"] === "number" && typeof record["reason"] === "string" ? { until: record["until"], reason: record["reason"] } : undefined;
  } catch {
    return undefined;
  }
}

export class RedisRouterState implements RouterState {
  readonly kind = "redis" as const;
  readonly instanceId = randomUUID();
  private readonly local = new MemoryRouterState();
  private readonly pool: RedisPool;
  private readonly logger: Logger;
  private readonly options: RedisStateOptions;
  private readonly channel: string;
  private readonly listeners: RemoteCooldownListener[] = [];
  private readonly usageViews = new Map<string, UsageView>();
  private readonly dirtyUsage = new Set<string>();
  private othersInFlight = new Map<string, number>();
  private otherInstances: string[] = [];
  private lastSyncOk = 0;
  private lastInFlightWrite = "";
  private subscriber: Redis | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private closed = false;

  constructor(options: RedisStateOptions) {
    this.options = options;
    this.pool = options.pool;
    this.logger = options.logger.child({ component: "router-state" });
    this.channel = `${options.pool.settings.keyPrefix}router:events`;
  }

  // -- cooldowns ------------------------------------------------------------------------------

  cooldown(deploymentId: string, now: number): Cooldown | undefined {
    return this.local.cooldown(deploymentId, now);
  }

  startCooldown(deploymentId: string, cooldown: Cooldown): void {
    this.local.startCooldown(deploymentId, cooldown);
    const client = this.pool.client();
    if (client === undefined) return;
    const message: CooldownMessage = { id: deploymentId, until: cooldown.until, reason: cooldown.reason, from: this.instanceId };
    this.fire(client.pipeline().hset(COOLDOWNS_KEY, deploymentId, JSON.stringify(cooldown)).publish(this.channel, JSON.stringify(message)));
  }

  onRemoteCooldown(listener: RemoteCooldownListener): void {
    this.listeners.push(listener);
  }

  /** A cooldown learned from Redis: kept if it is news, and announced to the router. */
  private learnCooldown(deploymentId: string, cooldown: Cooldown, now: number): void {
    if (cooldown.until <= now) return;
    const known = this.local.cooldown(deploymentId, now);
    if (known !== undefined && known.until >= cooldown.until) return;
    this.local.startCooldown(deploymentId, cooldown);
    for (const listener of this.listeners) listener(deploymentId, cooldown);
  }

  // -- failure counters -----------------------------------------------------------------------

  countFailure(deploymentId: string, bucket: string, windowMs: number, now: number, onShared?: (count: number) => void): number {
    const count = this.local.countFailure(deploymentId, bucket, windowMs, now);
    const client = this.pool.client();
    if (client === undefined) return count;
    const key = `router:fail:${deploymentId}:${bucket}`;
    client
      .pipeline()
      .set(key, 0, "PX", Math.max(1, Math.round(windowMs)), "NX")
      .incr(key)
      .exec()
      .then((results) => {
        const reply = results?.[1];
        if (reply !== undefined && reply[0] === null && typeof reply[1] === "number") onShared?.(reply[1]);
      })
      .catch((error: unknown) => this.debug(error));
    return count;
  }

  clearFailures(deploymentId: string): void {
    this.local.clearFailures(deploymentId);
    // The deployment proved healthy: the shared counters start over too.
    const client = this.pool.client();
    if (client === undefined) return;
    client.del(...FAILURE_BUCKETS.map((bucket) => `router:fail:${deploymentId}:${bucket}`)).catch((error: unknown) => this.debug(error));
  }

  // -- usage ----------------------------------------------------------------------------------

  private view(deploymentId: string, minute: number): UsageView {
    let view = this.usageViews.get(deploymentId);
    if (view === undefined || view.minute !== minute) {
      view = { minute, sharedRequests: 0, sharedTokens: 0, unsentRequests: 0, unsentTokens: 0, unackedRequests: 0, unackedTokens: 0 };
      this.usageViews.set(deploymentId, view);
    }
    return view;
  }

  usage(deploymentId: string, now: number): MinuteUsage {
    if (!this.options.shareUsage) return this.local.usage(deploymentId, now);
    const view = this.usageViews.get(deploymentId);
    if (view === undefined || view.minute !== minuteOf(now)) return { requests: 0, tokens: 0 };
    return {
      requests: view.sharedRequests + view.unsentRequests + view.unackedRequests,
      tokens: view.sharedTokens + view.unsentTokens + view.unackedTokens,
    };
  }

  addUsage(deploymentId: string, requests: number, tokens: number, now: number): void {
    if (!this.options.shareUsage) {
      this.local.addUsage(deploymentId, requests, tokens, now);
      return;
    }
    const view = this.view(deploymentId, minuteOf(now));
    view.unsentRequests += requests;
    view.unsentTokens += tokens;
    this.dirtyUsage.add(deploymentId);
    this.flushTimer ??= setTimeout(() => this.flushUsage(), this.options.flushDelayMs ?? 20);
  }

  private flushUsage(): void {
    this.flushTimer = undefined;
    const client = this.pool.client();
    if (client === undefined || this.dirtyUsage.size === 0) return; // kept as unsent: still counted locally
    const pipeline = client.pipeline();
    const sent: Array<{ view: UsageView; requests: number; tokens: number }> = [];
    for (const id of this.dirtyUsage) {
      const view = this.usageViews.get(id);
      if (view === undefined) continue;
      const requests = view.unsentRequests;
      const tokens = view.unsentTokens;
      view.unsentRequests = 0;
      view.unsentTokens = 0;
      view.unackedRequests += requests;
      view.unackedTokens += tokens;
      const key = usageKey(view.minute);
      pipeline.hincrby(key, `${id}|r`, requests).hincrby(key, `${id}|t`, tokens).expire(key, USAGE_TTL_SECONDS);
      sent.push({ view, requests, tokens });
    }
    this.dirtyUsage.clear();
    pipeline
      .exec()
      .then((results) => {
        sent.forEach((entry, index) => {
          const { view } = entry;
          view.unackedRequests -= entry.requests;
          view.unackedTokens -= entry.tokens;
          const requests = results?.[index * 3]?.[1];
          const tokens = results?.[index * 3 + 1]?.[1];
          if (typeof requests === "number") view.sharedRequests = Math.max(view.sharedRequests, requests);
          if (typeof tokens === "number") view.sharedTokens = Math.max(view.sharedTokens, tokens);
        });
      })
      .catch((error: unknown) => {
        for (const entry of sent) {
          entry.view.unackedRequests -= entry.requests;
          entry.view.unackedTokens -= entry.tokens;
          entry.view.sharedRequests += entry.requests;
          entry.view.sharedTokens += entry.tokens;
        }
        this.debug(error);
      });
  }

  // -- in flight ------------------------------------------------------------------------------

  inFlight(deploymentId: string): number {
    return this.local.inFlight(deploymentId) + (this.othersInFlight.get(deploymentId) ?? 0);
  }

  acquire(deploymentId: string): void {
    this.local.acquire(deploymentId);
  }

  release(deploymentId: string): void {
    this.local.release(deploymentId);
  }

  // -- synchronisation ------------------------------------------------------------------------

  async start(): Promise<void> {
    try {
      await this.pool.ready(1000);
    } catch {
      // Redis is not there (the pool logged it): serve on local state; the poll catches up later.
    }
    this.subscribe();
    await Promise.race([this.sync(), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    this.pollTimer = setInterval(() => void this.sync(), this.options.syncIntervalMs ?? 200);
    this.pollTimer.unref();
  }

  private subscribe(): void {
    const settings = this.pool.settings;
    const subscriber = new (ioredis().Redis)({
      host: settings.host,
      port: settings.port,
      ...(settings.password === undefined ? {} : { password: settings.password }),
      connectTimeout: Math.max(settings.commandTimeoutMs, 1000),
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
      maxRetriesPerRequest: null,
    });
    subscriber.on("error", (error: Error) => this.debug(error));
    // After a reconnect (ioredis resubscribes by itself), re-read what may have been missed.
    subscriber.on("ready", () => void this.sync());
    subscriber.on("message", (_channel: string, text: string) => this.onMessage(text));
    subscriber.subscribe(this.channel).catch((error: unknown) => this.debug(error));
    this.subscriber = subscriber;
  }

  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!isCooldownMessage(message) || message.from === this.instanceId) return;
    this.learnCooldown(message.id, { until: message.until, reason: message.reason }, Date.now());
  }

  /** One poll: cooldowns, usage of this minute, in-flight counts of the other instances. */
  private sync(): Promise<void> {
    if (this.syncing !== undefined || this.closed) return this.syncing ?? Promise.resolve();
    this.syncing = this.runSync()
      .catch((error: unknown) => this.debug(error))
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  private async runSync(): Promise<void> {
    const now = Date.now();
    const client = this.pool.client();
    if (client === undefined) {
      if (now - this.lastSyncOk > INSTANCE_STALE_MS) this.othersInFlight = new Map();
      return;
    }
    const minute = minuteOf(now);
    const pipeline = client.pipeline().hgetall(COOLDOWNS_KEY);
    if (this.options.shareUsage) pipeline.hgetall(usageKey(minute));
    const others = this.otherInstances;
    if (this.options.shareInFlight) {
      const mine = `router:inflight:${this.instanceId}`;
      const snapshot = [...this.local.localInFlight()].filter(([, count]) => count > 0);
      const text = JSON.stringify(snapshot);
      if (text !== this.lastInFlightWrite || now - this.lastSyncOk > 1000) {
        pipeline.del(mine);
        if (snapshot.length > 0) pipeline.hset(mine, Object.fromEntries(snapshot));
        pipeline.pexpire(mine, INSTANCE_STALE_MS);
        this.lastInFlightWrite = text;
      }
      pipeline.zadd(INSTANCES_KEY, now, this.instanceId).zremrangebyscore(INSTANCES_KEY, "-inf", now - COOLDOWN_SWEEP_MS).zrangebyscore(INSTANCES_KEY, now - INSTANCE_STALE_MS, "+inf");
      for (const other of others) pipeline.hgetall(`router:inflight:${other}`);
    }
    const results = await pipeline.exec();
    if (results === null) return;
    this.lastSyncOk = now;
    this.applyCooldowns(results[0]?.[1], now, client);
    if (this.options.shareUsage) this.applyUsage(results[1]?.[1], minute);
    if (this.options.shareInFlight) {
      const tail = results.slice(results.length - others.length - 1);
      const instances = tail[0]?.[1];
      const counts = new Map<string, number>();
      tail.slice(1).forEach(([error, value]) => {
        if (error !== null || value === null || typeof value !== "object") return;
        for (const [id, count] of Object.entries(value as Record<string, string>)) counts.set(id, (counts.get(id) ?? 0) + Number(count));
      });
      this.othersInFlight = counts;
      if (Array.isArray(instances)) this.otherInstances = instances.filter((id): id is string => typeof id === "string" && id !== this.instanceId);
    }
  }

  private applyCooldowns(value: unknown, now: number, client: Redis): void {
    if (value === null || typeof value !== "object") return;
    const stale: string[] = [];
    for (const [id, text] of Object.entries(value as Record<string, string>)) {
      const cooldown = parseCooldown(text);
      if (cooldown === undefined || cooldown.until < now - COOLDOWN_SWEEP_MS) stale.push(id);
      else this.learnCooldown(id, cooldown, now);
    }
    if (stale.length > 0) client.hdel(COOLDOWNS_KEY, ...stale).catch((error: unknown) => this.debug(error));
  }

  private applyUsage(value: unknown, minute: number): void {
    if (value === null || typeof value !== "object") return;
    for (const [field, text] of Object.entries(value as Record<string, string>)) {
      const bar = field.lastIndexOf("|");
      if (bar <= 0) continue;
      const view = this.view(field.slice(0, bar), minute);
      const amount = Number(text);
      if (!Number.isFinite(amount)) continue;
      if (field.endsWith("|r")) view.sharedRequests = Math.max(view.sharedRequests, amount);
      else view.sharedTokens = Math.max(view.sharedTokens, amount);
    }
  }

  private fire(pipeline: ChainableCommander): void {
    pipeline.exec().catch((error: unknown) => this.debug(error));
  }

  private debug(error: unknown): void {
    this.logger.debug({ err: error instanceof Error ? error.message : String(error) }, "router state: Redis command failed (serving on local state)");
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushUsage();
    }
    const client = this.pool.client();
    if (client !== undefined && this.options.shareInFlight) {
      await client
        .pipeline()
        .del(`router:inflight:${this.instanceId}`)
        .zrem(INSTANCES_KEY, this.instanceId)
        .exec()
        .catch((error: unknown) => this.debug(error));
    }
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber === undefined) return;
    // quit() would wait in the offline queue while Redis is unreachable: only ask a live connection.
    if (subscriber.status === "ready") await Promise.race([subscriber.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    subscriber.disconnect();
  }
}
