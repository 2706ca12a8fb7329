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
 *   reply refreshes the view (usage-based routing, the skip of deployments at their limits);
 * - requests to deployments with rpm/tpm limits are counted against the limit in Redis before
 *   they are sent (lease-policy.ts): from a lease of a few requests granted in the background
 *   batch (no round trip), else reserved one by one with a Lua script (one round trip, only
 *   when the instance holds no lease: near the limit, or at the start of a burst);
 * - in-flight counts (for least-busy) are published per instance on the poll, with a TTL, so a
 *   crashed instance's counts expire.
 * When Redis is unreachable every write is skipped, the view keeps serving from local state
 * (requests to rate-limited deployments are then admitted on the local view, as without
 * reservations, and counted in Redis once it is back), the pool logs the outage once, and the
 * next poll after Redis returns resynchronises.
 */
import { randomUUID } from "node:crypto";
import type * as IoRedis from "ioredis";
import type { Redis } from "ioredis";
import { lazyModule } from "../lazy-module.ts";

const ioredis = lazyModule<typeof IoRedis>("ioredis");
import type { ChainableCommander } from "ioredis";
import type { Logger } from "pino";
import { errorClasses } from "../config/schema.ts";
import { withScripts } from "../stores/redis.ts";
import type { RedisPool, RedisScript } from "../stores/redis.ts";
import { hasLimits, leaseChange, leaseTarget } from "./lease-policy.ts";
import { MemoryRouterState } from "./memory-state.ts";
import { minuteOf } from "./router-state.ts";
import type { Cooldown, MinuteUsage, RateLimits, RemoteCooldownListener, RouterState } from "./router-state.ts";

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
  /** Epoch milliseconds for the background work (polls, leases); the router passes its own `now`. */
  readonly clock?: () => number;
}

interface UsageView {
  readonly id: string;
  readonly minute: number;
  /** Totals across instances, as last read from Redis (requests include every instance's lease). */
  sharedRequests: number;
  sharedTokens: number;
  /** Which write sharedRequests reflects (rate-limited deployments: the lease script counts them). */
  version: number;
  /** Ours, not yet sent. */
  unsentRequests: number;
  unsentTokens: number;
  /** Ours, sent and not yet acknowledged. */
  unackedRequests: number;
  unackedTokens: number;
  /** Rate-limited deployments: requests granted to this instance and not used yet. */
  leased: number;
  /** Requests asked for as lease, not answered yet. */
  leaseAsked: number;
}

/** This instance's traffic to a rate-limited deployment (across minutes). */
interface Traffic {
  readonly limits: RateLimits;
  /** Requests since the last poll. */
  sent: number;
  /** Decaying peak of requests per poll interval. */
  peak: number;
  /** Recent tokens per request (0 until a response reported usage). */
  tokensPerRequest: number;
}

/** [granted (negative: given back), requests counted this minute, tokens, version] */
type LeaseReply = [number, number, number, number];

interface LeaseCommands {
  pharosLease(key: string, deploymentId: string, want: number, rpm: number, tpm: number, ttlSeconds: number, force: number): Promise<LeaseReply>;
}

/**
 * Grants up to `want` requests of the minute's counter within rpm (none once the tokens reached
 * tpm); a negative `want` gives requests back; `force` counts without checking (requests sent
 * while Redis was unreachable). Every change bumps the version, so views keep the newest count.
 */
const LEASE_SCRIPT = `
local r = ARGV[1] .. '|r'
local count = tonumber(redis.call('HGET', KEYS[1], r) or '0')
local tokens = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. '|t') or '0')
local version = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. '|v') or '0')
local want = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
local tpm = tonumber(ARGV[4])
local granted = want
if want > 0 and ARGV[6] ~= '1' then
  if tpm >= 0 and tokens >= tpm then
    granted = 0
  elseif rpm >= 0 then
    granted = math.max(0, math.min(want, rpm - count))
  end
end
if granted ~= 0 then
  count = redis.call('HINCRBY', KEYS[1], r, granted)
  version = redis.call('HINCRBY', KEYS[1], ARGV[1] .. '|v', 1)
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return {granted, count, tokens, version}
`;

const LEASE_SCRIPTS: Readonly<Record<string, RedisScript>> = { pharosLease: { numberOfKeys: 1, lua: LEASE_SCRIPT } };
/** No limit, in the script's arguments. */
const NO_LIMIT = -1;
/** The decaying peak of requests per interval loses this share each poll without traffic. */
const PEAK_DECAY = 0.8;

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

/**
 * A versioned request count from Redis: a newer version replaces the view's (it may go down: leases
 * given back), the same version only raises it, an older one is ignored.
 */
function setSharedRequests(view: UsageView, requests: number, version: number): void {
  if (version > view.version) {
    view.version = version;
    view.sharedRequests = requests;
  } else if (version === view.version) {
    view.sharedRequests = Math.max(view.sharedRequests, requests);
  }
}

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
  private readonly clock: () => number;
  private readonly channel: string;
  private readonly listeners: RemoteCooldownListener[] = [];
  private readonly usageViews = new Map<string, UsageView>();
  /** Views with usage not sent yet (an earlier minute's too: it still goes to that minute's key). */
  private readonly dirtyUsage = new Set<UsageView>();
  private readonly traffic = new Map<string, Traffic>();
  /** Connections the lease script is defined on. */
  private othersInFlight = new Map<string, number>();
  private otherInstances: string[] = [];
  private lastSyncOk = 0;
  private lastInFlightWrite = "";
  private subscriber: Redis | undefined;
  private pinned: Redis | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private closed = false;

  constructor(options: RedisStateOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
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

  /**
   * The connection for the view's commands (usage, leases, reservations, polls): always the same
   * one while it is up, so their replies arrive in the order Redis ran them and a count read
   * never overtakes the lease it already includes.
   */
  private viewClient(): Redis | undefined {
    if (this.pinned?.status !== "ready") this.pinned = this.pool.client();
    return this.pinned;
  }

  /** The deployment's view of `minute`; a minute older than the one viewed gets a view of its own, not kept. */
  private view(deploymentId: string, minute: number): UsageView {
    let view = this.usageViews.get(deploymentId);
    if (view === undefined || view.minute !== minute) {
      const fresh: UsageView = { id: deploymentId, minute, sharedRequests: 0, sharedTokens: 0, version: 0, unsentRequests: 0, unsentTokens: 0, unackedRequests: 0, unackedTokens: 0, leased: 0, leaseAsked: 0 };
      if (view !== undefined && view.minute > minute) return fresh;
      this.usageViews.set(deploymentId, (view = fresh));
    }
    return view;
  }

  /** Requests sent (a lease not used yet is not), tokens used: this minute, all instances. */
  usage(deploymentId: string, now: number): MinuteUsage {
    if (!this.options.shareUsage) return this.local.usage(deploymentId, now);
    const view = this.usageViews.get(deploymentId);
    if (view === undefined || view.minute !== minuteOf(now)) return { requests: 0, tokens: 0 };
    return {
      requests: view.sharedRequests - view.leased + view.unsentRequests + view.unackedRequests,
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
    if (tokens > 0 && requests === 0) {
      const traffic = this.traffic.get(deploymentId);
      if (traffic !== undefined) traffic.tokensPerRequest = traffic.tokensPerRequest === 0 ? tokens : traffic.tokensPerRequest * 0.8 + tokens * 0.2;
    }
    this.dirtyUsage.add(view);
    this.flushTimer ??= setTimeout(() => this.flushUsage(), this.options.flushDelayMs ?? 20);
  }

  countRequest(deploymentId: string, limits: RateLimits, now: number): true | Promise<boolean> {
    if (!this.options.shareUsage || !hasLimits(limits)) {
      this.addUsage(deploymentId, 1, 0, now);
      return true;
    }
    let traffic = this.traffic.get(deploymentId);
    if (traffic === undefined) this.traffic.set(deploymentId, (traffic = { limits: { rpm: limits.rpm, tpm: limits.tpm }, sent: 0, peak: 0, tokensPerRequest: 0 }));
    traffic.sent += 1;
    const view = this.view(deploymentId, minuteOf(now));
    this.flushTimer ??= setTimeout(() => this.flushUsage(), this.options.flushDelayMs ?? 20);
    if (view.leased > 0) {
      // Granted by Redis beforehand (within the limit): no round trip.
      view.leased -= 1;
      return true;
    }
    const client = this.viewClient();
    if (client === undefined) {
      // Redis is unreachable: admitted on the local view, counted in Redis once it is back.
      view.unsentRequests += 1;
      this.dirtyUsage.add(view);
      return true;
    }
    return this.reserve(client, deploymentId, view, limits);
  }

  /** Reserves one request in Redis (the instance holds no lease). */
  private async reserve(client: Redis, deploymentId: string, view: UsageView, limits: RateLimits): Promise<boolean> {
    view.unackedRequests += 1;
    let reply: LeaseReply;
    try {
      reply = await this.leaseCommand(client, deploymentId, view.minute, 1, limits, false);
    } catch (error) {
      // Redis failed to answer: admitted on the local view (as while it is unreachable).
      view.unackedRequests -= 1;
      view.unsentRequests += 1;
      this.dirtyUsage.add(view);
      this.debug(error);
      return true;
    }
    view.unackedRequests -= 1;
    this.applyCount(view, reply);
    return reply[0] > 0;
  }

  private leaseCommand(client: Redis, deploymentId: string, minute: number, want: number, limits: RateLimits, force: boolean): Promise<LeaseReply> {
    return withScripts<LeaseCommands>(client, LEASE_SCRIPTS).pharosLease(usageKey(minute), deploymentId, want, limits.rpm ?? NO_LIMIT, limits.tpm ?? NO_LIMIT, USAGE_TTL_SECONDS, force ? 1 : 0);
  }

  /** A count from the lease script: kept when it is newer than what the view holds. */
  private applyCount(view: UsageView, reply: LeaseReply): void {
    const [, requests, tokens, version] = reply;
    setSharedRequests(view, requests, version);
    view.sharedTokens = Math.max(view.sharedTokens, tokens);
  }

  private flushUsage(): void {
    this.flushTimer = undefined;
    const client = this.viewClient();
    if (client === undefined) return; // kept as unsent: still counted locally
    this.sendUsage(client);
    this.adjustLeases(client, this.clock());
  }

  private sendUsage(client: Redis): void {
    if (this.dirtyUsage.size === 0) return;
    const pipeline = client.pipeline();
    const sent: Array<{ view: UsageView; requests: number; tokens: number; requestsAt: number; tokensAt: number }> = [];
    let commands = 0;
    for (const view of this.dirtyUsage) {
      const id = view.id;
      const requests = view.unsentRequests;
      const tokens = view.unsentTokens;
      view.unsentRequests = 0;
      view.unsentTokens = 0;
      const traffic = this.traffic.get(id);
      const key = usageKey(view.minute);
      if (traffic !== undefined && requests > 0) {
        // Sent while Redis was unreachable: counted by the lease script (it keeps the count's version).
        view.unackedRequests += requests;
        this.leaseCommand(client, id, view.minute, requests, traffic.limits, true)
          .then((reply) => {
            view.unackedRequests -= requests;
            this.applyCount(view, reply);
          })
          .catch((error: unknown) => {
            view.unackedRequests -= requests;
            view.unsentRequests += requests;
            this.dirtyUsage.add(view);
            this.debug(error);
          });
      }
      if (traffic === undefined) {
        view.unackedRequests += requests;
        pipeline.hincrby(key, `${id}|r`, requests);
      }
      view.unackedTokens += tokens;
      pipeline.hincrby(key, `${id}|t`, tokens).expire(key, USAGE_TTL_SECONDS);
      const plain = traffic === undefined;
      sent.push({ view, requests: plain ? requests : 0, tokens, requestsAt: plain ? commands : -1, tokensAt: plain ? commands + 1 : commands });
      commands += plain ? 3 : 2;
    }
    this.dirtyUsage.clear();
    if (sent.length === 0) return;
    pipeline
      .exec()
      .then((results) => {
        for (const entry of sent) {
          const { view } = entry;
          view.unackedRequests -= entry.requests;
          view.unackedTokens -= entry.tokens;
          const requests = results?.[entry.requestsAt]?.[1];
          const tokens = results?.[entry.tokensAt]?.[1];
          if (typeof requests === "number") view.sharedRequests = Math.max(view.sharedRequests, requests);
          if (typeof tokens === "number") view.sharedTokens = Math.max(view.sharedTokens, tokens);
        }
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

  /** Tops leases up to what recent traffic needs, or gives back what is no longer needed (lease-policy.ts). */
  private adjustLeases(client: Redis, now: number): void {
    if (this.traffic.size === 0 || this.closed) return;
    const minute = minuteOf(now);
    const instances = this.otherInstances.length + 1;
    for (const [id, traffic] of this.traffic) {
      const view = this.view(id, minute);
      const target = leaseTarget({
        rpm: traffic.limits.rpm,
        tpm: traffic.limits.tpm,
        granted: view.sharedRequests + view.unsentRequests + view.unackedRequests,
        tokens: view.sharedTokens + view.unsentTokens + view.unackedTokens,
        leased: view.leased,
        instances,
        requestsPerInterval: Math.max(traffic.peak, traffic.sent),
        tokensPerRequest: traffic.tokensPerRequest,
      });
      const change = leaseChange(target, view.leased, view.leaseAsked);
      if (change === 0) continue;
      // Given back at once (never used again); asked for until the answer arrives.
      if (change < 0) view.leased += change;
      else view.leaseAsked += change;
      this.leaseCommand(client, id, minute, change, traffic.limits, false)
        .then((reply) => {
          if (change > 0) {
            view.leaseAsked -= change;
            view.leased += reply[0];
          }
          this.applyCount(view, reply);
        })
        .catch((error: unknown) => {
          // Not granted; or not given back, so still ours to use.
          if (change > 0) view.leaseAsked -= change;
          else view.leased -= change;
          this.debug(error);
        });
    }
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
    this.learnCooldown(message.id, { until: message.until, reason: message.reason }, this.clock());
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
    const now = this.clock();
    const client = this.viewClient();
    if (client === undefined) {
      if (now - this.lastSyncOk > INSTANCE_STALE_MS) this.othersInFlight = new Map();
      return;
    }
    const minute = minuteOf(now);
    this.decayTraffic();
    // Usage counted while Redis was unreachable goes out now, not only with the next request.
    if (this.dirtyUsage.size > 0 && this.flushTimer === undefined) this.flushUsage();
    else this.adjustLeases(client, now);
    const pipeline = client.pipeline().hgetall(COOLDOWNS_KEY);
    if (this.options.shareUsage) pipeline.hgetall(usageKey(minute));
    const others = this.otherInstances;
    // Instances register on every poll: least-busy reads their in-flight counts, rate limits their number.
    const registered = this.options.shareInFlight || this.options.shareUsage;
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
    }
    if (registered) pipeline.zadd(INSTANCES_KEY, now, this.instanceId).zremrangebyscore(INSTANCES_KEY, "-inf", now - COOLDOWN_SWEEP_MS).zrangebyscore(INSTANCES_KEY, now - INSTANCE_STALE_MS, "+inf");
    if (this.options.shareInFlight) for (const other of others) pipeline.hgetall(`router:inflight:${other}`);
    const results = await pipeline.exec();
    if (results === null) return;
    this.lastSyncOk = now;
    this.applyCooldowns(results[0]?.[1], now, client);
    if (this.options.shareUsage) this.applyUsage(results[1]?.[1], minute);
    if (!registered) return;
    const inFlightReads = this.options.shareInFlight ? others.length : 0;
    const tail = results.slice(results.length - inFlightReads - 1);
    const instances = tail[0]?.[1];
    if (Array.isArray(instances)) this.otherInstances = instances.filter((id): id is string => typeof id === "string" && id !== this.instanceId);
    if (this.options.shareInFlight) {
      const counts = new Map<string, number>();
      tail.slice(1).forEach(([error, value]) => {
        if (error !== null || value === null || typeof value !== "object") return;
        for (const [id, count] of Object.entries(value as Record<string, string>)) counts.set(id, (counts.get(id) ?? 0) + Number(count));
      });
      this.othersInFlight = counts;
    }
  }

  /** One poll interval ends: each rate-limited deployment's recent peak of requests per interval. */
  private decayTraffic(): void {
    for (const traffic of this.traffic.values()) {
      const decayed = traffic.peak * PEAK_DECAY;
      traffic.peak = traffic.sent >= decayed ? traffic.sent : decayed < 0.25 ? 0 : decayed;
      traffic.sent = 0;
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
    const fields = value as Record<string, string>;
    for (const [field, text] of Object.entries(fields)) {
      const bar = field.lastIndexOf("|");
      if (bar <= 0) continue;
      const id = field.slice(0, bar);
      const view = this.view(id, minute);
      const amount = Number(text);
      if (!Number.isFinite(amount)) continue;
      const kind = field.slice(bar + 1);
      if (kind === "t") view.sharedTokens = Math.max(view.sharedTokens, amount);
      if (kind !== "r") continue;
      // A versioned count (rate-limited deployments) may go down: leases given back.
      setSharedRequests(view, amount, Number(fields[`${id}|v`] ?? 0));
    }
  }

  /** A closing instance's unused leases go back, so the others may use them this minute. */
  private async giveBackLeases(client: Redis): Promise<void> {
    const minute = minuteOf(this.clock());
    const returns: Array<Promise<unknown>> = [];
    for (const [id, traffic] of this.traffic) {
      const view = this.usageViews.get(id);
      if (view === undefined || view.minute !== minute || view.leased === 0) continue;
      const amount = view.leased;
      view.leased = 0;
      returns.push(this.leaseCommand(client, id, minute, -amount, traffic.limits, false).catch((error: unknown) => this.debug(error)));
    }
    await Promise.all(returns);
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
    const client = this.viewClient();
    if (client !== undefined) await this.giveBackLeases(client);
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
