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
 * Cost on the request path: one EVALSHA (check and count atomically), i.e. one round trip.
 * Tokens used and the parallel slot are released after the response, in one pipelined round
 * trip that nobody waits for. Without Redis (not configured, or unreachable) the same algorithm
 * runs in process memory: limits then hold per instance (logged once when Redis goes away).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RedisPool } from "../stores/redis.ts";

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
  /** Where the decision was made. */
  readonly source: "redis" | "local";
  /** Ends the request: frees its parallel slot and counts its tokens. Call once. */
  release(tokens: number): void;
}

const WINDOW_MS = 60_000;
/** A parallel slot older than this is considered leaked (longer than any request may last). */
export const DEFAULT_PARALLEL_STALE_MS = 15 * 60_000;

const SCRIPT = `
local rpmLimit = tonumber(ARGV[1])
local tpmLimit = tonumber(ARGV[2])
local parLimit = tonumber(ARGV[3])
local weight = tonumber(ARGV[4])
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

type LimitCommand = (
  rpmCur: string, rpmPrev: string, tpmCur: string, tpmPrev: string, parallel: string,
  rpmLimit: number, tpmLimit: number, parLimit: number, weight: string, nowMs: number, staleBefore: number, member: string, bucketTtlMs: number, parallelTtlMs: number,
) => Promise<[number, string, string, number]>;

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

export function hasLimits(limits: KeyLimits): boolean {
  return limits.rpm !== null || limits.tpm !== null || limits.parallel !== null;
}

export class RateLimiter {
  private readonly redis: RedisPool | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly parallelStaleMs: number;
  private readonly local = new Map<string, LocalCounters>();
  private readonly scripted = new WeakSet<Redis>();
  private usingLocal = false;
  private sweep: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    this.redis = options.redis;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.parallelStaleMs = options.parallelStaleMs ?? DEFAULT_PARALLEL_STALE_MS;
    this.sweep = setInterval(() => this.sweepLocal(), WINDOW_MS);
    this.sweep.unref();
  }

  async acquire(keyHash: string, limits: KeyLimits): Promise<Admission> {
    const client = this.redis?.client();
    if (client !== undefined) {
      try {
        const admission = await this.acquireRedis(client, keyHash, limits);
        if (this.usingLocal) {
          this.usingLocal = false;
          this.logger.warn("rate limits are shared through Redis again");
        }
        return admission;
      } catch (error) {
        this.fallBack(error);
      }
    } else if (this.redis !== undefined) {
      this.fallBack(new Error("Redis is unreachable"));
    }
    return this.acquireLocal(keyHash, limits);
  }

  close(): void {
    clearInterval(this.sweep);
  }

  private fallBack(error: unknown): void {
    if (this.usingLocal) return;
    this.usingLocal = true;
    this.logger.error({ err: error instanceof Error ? error.message : String(error) }, "rate limits fall back to per-instance counting while Redis is unavailable");
  }

  private command(client: Redis): LimitCommand {
    if (!this.scripted.has(client)) {
      client.defineCommand("pharosRateLimit", { numberOfKeys: 5, lua: SCRIPT });
      this.scripted.add(client);
    }
    return (client as unknown as { pharosRateLimit: LimitCommand }).pharosRateLimit.bind(client);
  }

  private async acquireRedis(client: Redis, keyHash: string, limits: KeyLimits): Promise<Admission> {
    const now = this.now();
    const bucket = Math.floor(now / WINDOW_MS);
    const weight = 1 - (now % WINDOW_MS) / WINDOW_MS;
    const base = `rl:${keyHash.slice(0, 32)}`;
    const member = randomUUID();
    const [code, rpmUsed, tpmUsed, parallel] = await this.command(client)(
      `${base}:r:${bucket}`, `${base}:r:${bucket - 1}`, `${base}:t:${bucket}`, `${base}:t:${bucket - 1}`, `${base}:p`,
      limits.rpm ?? -1, limits.tpm ?? -1, limits.parallel ?? -1, weight.toFixed(6), now, now - this.parallelStaleMs, member, 2 * WINDOW_MS, this.parallelStaleMs,
    );
    const exceeded = CODES[code];
    let released = false;
    const release = (tokens: number): void => {
      if (released || exceeded !== undefined) return;
      released = true;
      const pool = this.redis?.client();
      if (pool === undefined) return;
      const pipeline = pool.pipeline();
      if (limits.tpm !== null && tokens > 0) {
        const tokenBucket = `${base}:t:${Math.floor(this.now() / WINDOW_MS)}`;
        pipeline.incrby(tokenBucket, tokens).pexpire(tokenBucket, 2 * WINDOW_MS);
      }
      if (limits.parallel !== null) pipeline.zrem(`${base}:p`, member);
      if (pipeline.length > 0) pipeline.exec().catch((error: unknown) => this.logger.debug({ err: error }, "releasing a rate-limit slot failed"));
    };
    return this.admission(limits, exceeded, Number(rpmUsed), Number(tpmUsed), parallel, now, "redis", release);
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

  private sweepLocal(): void {
    const bucket = Math.floor(this.now() / WINDOW_MS);
    for (const [keyHash, counters] of this.local) {
      if (counters.bucket < bucket - 1 && counters.parallel === 0) this.local.delete(keyHash);
    }
  }

  private admission(
    limits: KeyLimits,
    exceeded: LimitKind | undefined,
    rpmUsed: number,
    tpmUsed: number,
    parallel: number,
    now: number,
    source: "redis" | "local",
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
