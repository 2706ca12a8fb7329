/**
 * Per-key rpm / tpm / parallel-request limits, shared by every instance through Redis.
 *
 * Algorithm: sliding-window counters over one-minute buckets — the estimate is
 * `current bucket + previous bucket × (unused fraction of the window)`, the standard
 * approximation that needs two counters per limit instead of one entry per request.
 * Parallel requests are a sorted set of in-flight request tokens scored by start time; tokens
 * older than the longest possible request are dropped, so an instance that dies mid-request
 * cannot leak capacity forever.
 *
 * Cost on the request path:
 * - near a limit (less than max(8, 10 %) of it left, or no recent count, or a parallel limit):
 *   one EVALSHA that checks and counts atomically — one round trip, exact across instances;
 * - far from it: no round trip. The request is admitted against the last count Redis returned
 *   plus what this instance admitted since, and counted in Redis within 10 ms (one pipelined
 *   script per key for everything admitted meanwhile), whose reply refreshes the count.
 *   Instances thus see each other's traffic within ~10 ms and a round trip, and the exact path
 *   takes over before the limit.
 * Tokens are counted after the response the same batched way. Without Redis (not configured,
 * or unreachable) the same algorithm runs in process memory: limits then hold per instance
 * (logged once when Redis goes away).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { withScripts } from "../stores/redis.ts";
import type { RedisPool, RedisScript } from "../stores/redis.ts";

export interface KeyLimits {
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly parallel: number | null;
}

export type LimitKind = "rpm" | "tpm" | "parallel";

export interface Admission {
  readonly allowed: boolean;
  /** The limit that refused the request. */
  readonly exceeded: LimitKind | undefined;
  /** x-ratelimit-* headers (limits the key has, and what remains). */
  readonly headers: Record<string, string>;
  readonly retryAfterSeconds: number;
  /** Where the decision was made: exactly in Redis, against the last Redis count, or in memory. */
  readonly source: "redis" | "redis-count" | "local";
  /** Ends the request: frees its parallel slot and counts its tokens. Call once. */
  release(tokens: number): void;
}

const WINDOW_MS = 60_000;
/** A parallel slot older than this is considered leaked (longer than any request may last). */
export const DEFAULT_PARALLEL_STALE_MS = 15 * 60_000;
/** A count from Redis older than this is not trusted for admitting without a round trip. */
const COUNT_MAX_AGE_MS = 1000;
/** Usage admitted without a round trip is sent to Redis this long after (batched over keys and requests). */
const COUNT_DELAY_MS = 10;

/** How much of a limit must be left to admit without a round trip. */
export function exactMargin(limit: number): number {
  return Math.max(8, Math.ceil(limit * 0.1));
}

/** Check and count (KEYS: rpm cur, rpm prev, tpm cur, tpm prev, parallel set). */
const CHECK_SCRIPT = `
local rpmLimit = tonumber(ARGV[1])
local tpmLimit = tonumber(ARGV[2])
local parLimit = tonumber(ARGV[3])
local weight = tonumber(ARGV[4])
local addRequests = tonumber(ARGV[10])
local addTokens = tonumber(ARGV[11])
if addRequests > 0 then
  redis.call('INCRBY', KEYS[1], addRequests)
  redis.call('PEXPIRE', KEYS[1], ARGV[8])
end
if addTokens > 0 then
  redis.call('INCRBY', KEYS[3], addTokens)
  redis.call('PEXPIRE', KEYS[3], ARGV[8])
end
local v = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
local rpmUsed = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) * weight
local tpmUsed = (tonumber(v[3]) or 0) + (tonumber(v[4]) or 0) * weight
local par = 0
if parLimit >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[6])
  par = redis.call('ZCARD', KEYS[5])
end
local code = 0
if rpmLimit >= 0 and rpmUsed + 1 > rpmLimit then code = 1
elseif tpmLimit >= 0 and tpmUsed >= tpmLimit then code = 2
elseif parLimit >= 0 and par >= parLimit then code = 3 end
if code == 0 then
  if rpmLimit >= 0 then
    redis.call('INCR', KEYS[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[8])
    rpmUsed = rpmUsed + 1
  end
  if parLimit >= 0 then
    redis.call('ZADD', KEYS[5], ARGV[5], ARGV[7])
    redis.call('PEXPIRE', KEYS[5], ARGV[9])
    par = par + 1
  end
end
return {code, tostring(rpmUsed), tostring(tpmUsed), par}
`;

/** Count admitted requests and used tokens; return the window's totals (KEYS: rpm cur, rpm prev, tpm cur, tpm prev). */
const COUNT_SCRIPT = `
local addRequests = tonumber(ARGV[1])
local addTokens = tonumber(ARGV[2])
local weight = tonumber(ARGV[3])
if addRequests > 0 then
  redis.call('INCRBY', KEYS[1], addRequests)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
if addTokens > 0 then
  redis.call('INCRBY', KEYS[3], addTokens)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
local v = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return {tostring((tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) * weight), tostring((tonumber(v[3]) or 0) + (tonumber(v[4]) or 0) * weight)}
`;

const RATE_SCRIPTS: Readonly<Record<string, RedisScript>> = {
  pharosRateCheck: { numberOfKeys: 5, lua: CHECK_SCRIPT },
  pharosRateCount: { numberOfKeys: 4, lua: COUNT_SCRIPT },
};

type CheckCommand = (
  rpmCur: string, rpmPrev: string, tpmCur: string, tpmPrev: string, parallel: string,
  rpmLimit: number, tpmLimit: number, parLimit: number, weight: string, nowMs: number, staleBefore: number, member: string, bucketTtlMs: number, parallelTtlMs: number,
  addRequests: number, addTokens: number,
) => Promise<[number, string, string, number]>;

interface ScriptedClient {
  pharosRateCheck: CheckCommand;
}

interface ScriptedPipeline {
  pharosRateCount(rpmCur: string, rpmPrev: string, tpmCur: string, tpmPrev: string, addRequests: number, addTokens: number, weight: string, bucketTtlMs: number): void;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

const CODES: Record<number, LimitKind> = { 1: "rpm", 2: "tpm", 3: "parallel" };

export interface RateLimiterOptions {
  readonly redis: RedisPool | undefined;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly parallelStaleMs?: number;
}

interface LocalCounters {
  bucket: number;
  rpmCur: number;
  rpmPrev: number;
  tpmCur: number;
  tpmPrev: number;
  parallel: number;
}

/** What this instance knows of a key's usage in Redis, and what it has not sent yet. */
interface SharedCount {
  bucket: number;
  /** Weighted window totals as Redis last returned them. */
  rpmUsed: number;
  tpmUsed: number;
  syncedAt: number;
  /** Admitted (and tokens used) here, not yet counted in Redis. */
  pendingRequests: number;
  pendingTokens: number;
  /** A count script for this key is on its way. */
  sending: boolean;
}

export function hasLimits(limits: KeyLimits): boolean {
  return limits.rpm !== null || limits.tpm !== null || limits.parallel !== null;
}

function keyBase(keyHash: string): string {
  return `rl:${keyHash.slice(0, 32)}`;
}

export class RateLimiter {
  private readonly redis: RedisPool | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly parallelStaleMs: number;
  private readonly local = new Map<string, LocalCounters>();
  private readonly shared = new Map<string, SharedCount>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private usingLocal = false;
  private sweep: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    this.redis = options.redis;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.parallelStaleMs = options.parallelStaleMs ?? DEFAULT_PARALLEL_STALE_MS;
    this.sweep = setInterval(() => this.sweepIdle(), WINDOW_MS);
    this.sweep.unref();
  }

  /** Resolves at once (no round trip) when far from the limits; see the file comment. */
  acquire(keyHash: string, limits: KeyLimits): Admission | Promise<Admission> {
    const client = this.redis?.client();
    if (client === undefined) {
      if (this.redis !== undefined) this.fallBack(new Error("Redis is unreachable"));
      return this.acquireLocal(keyHash, limits);
    }
    const fast = this.acquireFromCount(keyHash, limits);
    if (fast !== undefined) return fast;
    return this.acquireExact(client, keyHash, limits).then(
      (admission) => {
        if (this.usingLocal) {
          this.usingLocal = false;
          this.logger.warn("rate limits are shared through Redis again");
        }
        return admission;
      },
      (error: unknown) => {
        this.fallBack(error);
        return this.acquireLocal(keyHash, limits);
      },
    );
  }

  /** Sends what is still pending (tests, shutdown). */
  async flush(): Promise<void> {
    await this.sendCounts();
  }

  close(): void {
    clearInterval(this.sweep);
  }

  private fallBack(error: unknown): void {
    if (this.usingLocal) return;
    this.usingLocal = true;
    this.logger.error({ err: error instanceof Error ? error.message : String(error) }, "rate limits fall back to per-instance counting while Redis is unavailable");
  }

  private scriptedClient(client: Redis): Redis & ScriptedClient {
    return withScripts<ScriptedClient>(client, RATE_SCRIPTS);
  }

  /** Far from the limits and with a recent count: admit here, count in Redis right after. */
  private acquireFromCount(keyHash: string, limits: KeyLimits): Admission | undefined {
    if (limits.parallel !== null) return undefined;
    const count = this.shared.get(keyHash);
    const now = this.now();
    const bucket = Math.floor(now / WINDOW_MS);
    if (count === undefined || count.bucket !== bucket || now - count.syncedAt > COUNT_MAX_AGE_MS) return undefined;
    const rpmUsed = count.rpmUsed + count.pendingRequests;
    const tpmUsed = count.tpmUsed + count.pendingTokens;
    if (limits.rpm !== null && limits.rpm - rpmUsed - 1 < exactMargin(limits.rpm)) return undefined;
    if (limits.tpm !== null && limits.tpm - tpmUsed < exactMargin(limits.tpm)) return undefined;
    if (limits.rpm !== null) count.pendingRequests += 1;
    this.markDirty(keyHash);
    let released = false;
    const release = (tokens: number): void => {
      if (released) return;
      released = true;
      this.addTokens(keyHash, limits, tokens);
    };
    return this.admission(limits, undefined, rpmUsed + 1, tpmUsed, 0, now, "redis-count", release);
  }

  private async acquireExact(client: Redis, keyHash: string, limits: KeyLimits): Promise<Admission> {
    const now = this.now();
    const bucket = Math.floor(now / WINDOW_MS);
    const weight = 1 - (now % WINDOW_MS) / WINDOW_MS;
    const base = keyBase(keyHash);
    const member = randomUUID();
    const count = this.shared.get(keyHash);
    // What this instance admitted without a round trip is counted now, before checking.
    const addRequests = count?.pendingRequests ?? 0;
    const addTokens = count?.pendingTokens ?? 0;
    if (count !== undefined) {
      count.pendingRequests = 0;
      count.pendingTokens = 0;
    }
    let reply: [number, string, string, number];
    try {
      reply = await this.scriptedClient(client).pharosRateCheck(
        `${base}:r:${bucket}`, `${base}:r:${bucket - 1}`, `${base}:t:${bucket}`, `${base}:t:${bucket - 1}`, `${base}:p`,
        limits.rpm ?? -1, limits.tpm ?? -1, limits.parallel ?? -1, weight.toFixed(6), now, now - this.parallelStaleMs, member, 2 * WINDOW_MS, this.parallelStaleMs,
        addRequests, addTokens,
      );
    } catch (error) {
      if (count !== undefined) {
        count.pendingRequests += addRequests;
        count.pendingTokens += addTokens;
      }
      throw error;
    }
    const [code, rpmText, tpmText, parallel] = reply;
    const exceeded = CODES[code];
    const rpmUsed = Number(rpmText);
    const tpmUsed = Number(tpmText);
    this.remember(keyHash, bucket, rpmUsed, tpmUsed, now);
    let released = false;
    const release = (tokens: number): void => {
      if (released || exceeded !== undefined) return;
      released = true;
      this.addTokens(keyHash, limits, tokens);
      if (limits.parallel === null) return;
      const pool = this.redis?.client();
      pool?.zrem(`${base}:p`, member).catch((error: unknown) => this.logger.debug({ err: error }, "releasing a parallel slot failed"));
    };
    return this.admission(limits, exceeded, rpmUsed, tpmUsed, parallel, now, "redis", release);
  }

  private remember(keyHash: string, bucket: number, rpmUsed: number, tpmUsed: number, now: number): void {
    const count = this.shared.get(keyHash);
    if (count === undefined) {
      this.shared.set(keyHash, { bucket, rpmUsed, tpmUsed, syncedAt: now, pendingRequests: 0, pendingTokens: 0, sending: false });
      return;
    }
    count.bucket = bucket;
    count.rpmUsed = rpmUsed;
    count.tpmUsed = tpmUsed;
    count.syncedAt = now;
  }

  private addTokens(keyHash: string, limits: KeyLimits, tokens: number): void {
    if (limits.tpm === null || tokens <= 0) return;
    let count = this.shared.get(keyHash);
    if (count === undefined) {
      count = { bucket: Math.floor(this.now() / WINDOW_MS), rpmUsed: 0, tpmUsed: 0, syncedAt: 0, pendingRequests: 0, pendingTokens: 0, sending: false };
      this.shared.set(keyHash, count);
    }
    count.pendingTokens += tokens;
    this.markDirty(keyHash);
  }

  private markDirty(keyHash: string): void {
    this.dirty.add(keyHash);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      void this.sendCounts();
    }, COUNT_DELAY_MS).unref();
  }

  /** One pipeline: a count script per key with something pending; the replies refresh the counts. */
  private async sendCounts(): Promise<void> {
    const client = this.redis?.client();
    if (client === undefined || this.dirty.size === 0) return;
    const now = this.now();
    const bucket = Math.floor(now / WINDOW_MS);
    const weight = (1 - (now % WINDOW_MS) / WINDOW_MS).toFixed(6);
    const pipeline = this.scriptedClient(client).pipeline() as unknown as ScriptedPipeline;
    const sent: Array<{ keyHash: string; count: SharedCount; requests: number; tokens: number }> = [];
    for (const keyHash of this.dirty) {
      const count = this.shared.get(keyHash);
      if (count === undefined || count.sending) continue;
      const base = keyBase(keyHash);
      sent.push({ keyHash, count, requests: count.pendingRequests, tokens: count.pendingTokens });
      pipeline.pharosRateCount(`${base}:r:${bucket}`, `${base}:r:${bucket - 1}`, `${base}:t:${bucket}`, `${base}:t:${bucket - 1}`, count.pendingRequests, count.pendingTokens, weight, 2 * WINDOW_MS);
      count.pendingRequests = 0;
      count.pendingTokens = 0;
      count.sending = true;
    }
    for (const { keyHash } of sent) this.dirty.delete(keyHash);
    if (sent.length === 0) return;
    try {
      const replies = (await pipeline.exec()) ?? [];
      sent.forEach(({ keyHash, count }, index) => {
        count.sending = false;
        const [error, value] = replies[index] ?? [new Error("no reply"), undefined];
        if (error === null && Array.isArray(value)) {
          count.bucket = bucket;
          count.rpmUsed = Number(value[0]);
          count.tpmUsed = Number(value[1]);
          count.syncedAt = now;
        }
        if (count.pendingRequests > 0 || count.pendingTokens > 0) this.markDirty(keyHash);
      });
    } catch (error) {
      for (const { keyHash, count, requests, tokens } of sent) {
        count.sending = false;
        count.pendingRequests += requests;
        count.pendingTokens += tokens;
        count.syncedAt = 0; // not trusted until Redis answers again
        this.dirty.add(keyHash);
      }
      this.logger.debug({ err: error }, "counting rate-limit usage in Redis failed; retried with the next request");
    }
  }

  private acquireLocal(keyHash: string, limits: KeyLimits): Admission {
    const now = this.now();
    const bucket = Math.floor(now / WINDOW_MS);
    const weight = 1 - (now % WINDOW_MS) / WINDOW_MS;
    const counters = this.roll(keyHash, bucket);
    const rpmUsed = counters.rpmCur + counters.rpmPrev * weight;
    const tpmUsed = counters.tpmCur + counters.tpmPrev * weight;
    let exceeded: LimitKind | undefined;
    if (limits.rpm !== null && rpmUsed + 1 > limits.rpm) exceeded = "rpm";
    else if (limits.tpm !== null && tpmUsed >= limits.tpm) exceeded = "tpm";
    else if (limits.parallel !== null && counters.parallel >= limits.parallel) exceeded = "parallel";
    if (exceeded !== undefined) {
      return this.admission(limits, exceeded, rpmUsed, tpmUsed, counters.parallel, now, "local", () => undefined);
    }
    counters.rpmCur += 1;
    counters.parallel += 1;
    let released = false;
    const release = (tokens: number): void => {
      if (released) return;
      released = true;
      const current = this.roll(keyHash, Math.floor(this.now() / WINDOW_MS));
      current.parallel = Math.max(0, current.parallel - 1);
      current.tpmCur += tokens;
    };
    return this.admission(limits, undefined, rpmUsed + 1, tpmUsed, counters.parallel, now, "local", release);
  }

  private roll(keyHash: string, bucket: number): LocalCounters {
    let counters = this.local.get(keyHash);
    if (counters === undefined) {
      counters = { bucket, rpmCur: 0, rpmPrev: 0, tpmCur: 0, tpmPrev: 0, parallel: 0 };
      this.local.set(keyHash, counters);
    } else if (counters.bucket !== bucket) {
      const adjacent = counters.bucket === bucket - 1;
      counters.rpmPrev = adjacent ? counters.rpmCur : 0;
      counters.tpmPrev = adjacent ? counters.tpmCur : 0;
      counters.rpmCur = 0;
      counters.tpmCur = 0;
      counters.bucket = bucket;
    }
    return counters;
  }

  private sweepIdle(): void {
    const bucket = Math.floor(this.now() / WINDOW_MS);
    for (const [keyHash, counters] of this.local) {
      if (counters.bucket < bucket - 1 && counters.parallel === 0) this.local.delete(keyHash);
    }
    for (const [keyHash, count] of this.shared) {
      if (count.bucket < bucket - 1 && count.pendingRequests === 0 && count.pendingTokens === 0 && !count.sending) this.shared.delete(keyHash);
    }
  }

  private admission(
    limits: KeyLimits,
    exceeded: LimitKind | undefined,
    rpmUsed: number,
    tpmUsed: number,
    parallel: number,
    now: number,
    source: Admission["source"],
    release: (tokens: number) => void,
  ): Admission {
    const headers: Record<string, string> = {};
    if (limits.rpm !== null) {
      headers["x-ratelimit-limit-requests"] = String(limits.rpm);
      headers["x-ratelimit-remaining-requests"] = String(Math.max(0, Math.floor(limits.rpm - rpmUsed)));
    }
    if (limits.tpm !== null) {
      headers["x-ratelimit-limit-tokens"] = String(limits.tpm);
      headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, Math.floor(limits.tpm - tpmUsed)));
    }
    if (limits.parallel !== null) {
      headers["x-ratelimit-limit-parallel-requests"] = String(limits.parallel);
      headers["x-ratelimit-remaining-parallel-requests"] = String(Math.max(0, limits.parallel - parallel));
    }
    const untilNextWindow = Math.max(1, Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000));
    return { allowed: exceeded === undefined, exceeded, headers, retryAfterSeconds: exceeded === "parallel" ? 1 : untilNextWindow, source, release };
  }
}
