/**
 * Locust's request statistics (`RequestStats`, `StatsEntry`, `StatsError` in locust/stats.py):
 * the same counters, the same bucketed response-time counts and the same derived values, so the
 * CSV, JSON and console outputs match Locust's for the same samples. Time comes from a clock
 * (Unix seconds) so tests can drive it.
 */
import { createHash } from "node:crypto";
import { pyStrRepr } from "../report/python-format.ts";
import { bucketResponseTime, diffCounts, medianFromCounts, responseTimePercentile } from "./locust-math.ts";
import type { ResponseTimeCounts } from "./locust-math.ts";

/** Unix time in seconds (fractional). */
export type Clock = () => number;

/** Locust's `CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW` and cache size. */
const CURRENT_WINDOW_S = 10;
const CACHE_SIZE = CURRENT_WINDOW_S + 10;

interface CachedCounts {
  readonly counts: ResponseTimeCounts;
  readonly numRequests: number;
}

/** A median is either a bucket key (an int in Locust) or, when clamped, a raw min/max (a float). */
export interface Median {
  readonly value: number;
  readonly raw: boolean;
}

function increment(map: Map<number, number>, key: number): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function average(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
}

export class StatsEntry {
  readonly method: string;
  readonly name: string;
  numRequests = 0;
  numFailures = 0;
  totalResponseTime = 0;
  minResponseTime: number | undefined = undefined;
  maxResponseTime = 0;
  totalContentLength = 0;
  readonly startTime: number;
  lastRequestTimestamp: number | undefined = undefined;
  readonly responseTimes: ResponseTimeCounts = new Map();
  readonly reqsPerSec = new Map<number, number>();
  readonly failsPerSec = new Map<number, number>();
  private readonly stats: RequestStats;
  private readonly cache = new Map<number, CachedCounts>();

  constructor(stats: RequestStats, name: string, method: string, now: number) {
    this.stats = stats;
    this.name = name;
    this.method = method;
    this.startTime = now;
    this.cacheResponseTimes(Math.trunc(now));
  }

  log(responseTimeMs: number, contentLength: number, now: number): void {
    const second = Math.trunc(now);
    if (this.lastRequestTimestamp !== undefined && second > Math.trunc(this.lastRequestTimestamp)) this.cacheResponseTimes(second - 1);
    this.numRequests += 1;
    increment(this.reqsPerSec, second);
    this.lastRequestTimestamp = now;
    this.totalResponseTime += responseTimeMs;
    this.minResponseTime = this.minResponseTime === undefined ? responseTimeMs : Math.min(this.minResponseTime, responseTimeMs);
    this.maxResponseTime = Math.max(this.maxResponseTime, responseTimeMs);
    increment(this.responseTimes, bucketResponseTime(responseTimeMs));
    this.totalContentLength += contentLength;
  }

  logError(now: number): void {
    this.numFailures += 1;
    increment(this.failsPerSec, Math.trunc(now));
  }

  get avgResponseTime(): number {
    return this.numRequests === 0 ? 0 : this.totalResponseTime / this.numRequests;
  }

  get medianResponseTime(): Median {
    if (this.responseTimes.size === 0) return { value: 0, raw: false };
    const median = medianFromCounts(this.numRequests, this.responseTimes);
    if (median > this.maxResponseTime) return { value: this.maxResponseTime, raw: true };
    if (this.minResponseTime !== undefined && median < this.minResponseTime) return { value: this.minResponseTime, raw: true };
    return { value: median, raw: false };
  }

  /** `None` in Locust when there were no requests (then the files say 0). */
  get avgContentLength(): number | undefined {
    return this.numRequests === 0 ? undefined : this.totalContentLength / this.numRequests;
  }

  get failRatio(): number {
    if (this.numRequests === 0) return this.numFailures > 0 ? 1 : 0;
    return this.numFailures / this.numRequests;
  }

  /** Requests per second over the whole run (Locust's `total_rps`). */
  get totalRps(): number {
    return this.perSecondOverRun(this.numRequests);
  }

  get totalFailPerSec(): number {
    return this.perSecondOverRun(this.numFailures);
  }

  /** Average of the per-second counts from 12 s to 2 s before the last request (Locust's `current_rps`). */
  get currentRps(): number {
    return this.currentPerSecond(this.reqsPerSec);
  }

  get currentFailPerSec(): number {
    return this.currentPerSecond(this.failsPerSec);
  }

  percentile(percent: number): number {
    return responseTimePercentile(this.responseTimes, this.numRequests, percent);
  }

  /** The percentile of roughly the last 10 seconds; undefined when no cached counts are old enough. */
  currentPercentile(percent: number, now: number): number | undefined {
    const t = Math.trunc(now);
    const acceptable = [t - CURRENT_WINDOW_S];
    for (let i = 1; i < 9; i++) acceptable.push(t - CURRENT_WINDOW_S - i, t - CURRENT_WINDOW_S + i);
    const second = acceptable.find((candidate) => this.cache.has(candidate));
    const cached = second === undefined ? undefined : this.cache.get(second);
    if (cached === undefined) return undefined;
    return responseTimePercentile(diffCounts(this.responseTimes, cached.counts), this.numRequests - cached.numRequests, percent);
  }

  private perSecondOverRun(count: number): number {
    const last = this.stats.lastRequestTimestamp;
    const start = this.stats.startTime;
    if (last === undefined || last === start) return 0;
    return count / (last - start);
  }

  private currentPerSecond(perSecond: Map<number, number>): number {
    const last = this.stats.lastRequestTimestamp;
    if (last === undefined) return 0;
    const from = Math.max(Math.trunc(last) - 12, Math.trunc(this.stats.startTime));
    const counts: number[] = [];
    for (let second = from; second < Math.trunc(last) - 2; second++) counts.push(perSecond.get(second) ?? 0);
    return average(counts);
  }

  private cacheResponseTimes(second: number): void {
    this.cache.set(second, { counts: new Map(this.responseTimes), numRequests: this.numRequests });
    for (const key of this.cache.keys()) {
      if (this.cache.size <= CACHE_SIZE) break;
      this.cache.delete(key);
    }
  }
}

export interface StatsError {
  readonly method: string;
  readonly name: string;
  /** The error as Locust prints it, e.g. `HTTPError('500 Server Error: ...')`. */
  readonly error: string;
  occurrences: number;
  firstSeen: number;
  lastSeen: number;
}

/** Locust's key for an error: sha256 of `method.name.repr(error)`; files list errors in key order. */
function errorKey(method: string, name: string, error: string): string {
  return createHash("sha256").update(`${method}.${name}.${pyStrRepr(error)}`, "utf8").digest("hex");
}

function compareText(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

export class RequestStats {
  readonly clock: Clock;
  readonly total: StatsEntry;
  private readonly entries = new Map<string, StatsEntry>();
  private readonly errors = new Map<string, StatsError>();

  constructor(clock: Clock) {
    this.clock = clock;
    this.total = new StatsEntry(this, "Aggregated", "", clock());
  }

  get startTime(): number {
    return this.total.startTime;
  }

  get lastRequestTimestamp(): number | undefined {
    return this.total.lastRequestTimestamp;
  }

  logRequest(method: string, name: string, responseTimeMs: number, contentLength: number): void {
    const now = this.clock();
    this.total.log(responseTimeMs, contentLength, now);
    this.entry(method, name).log(responseTimeMs, contentLength, now);
  }

  logError(method: string, name: string, error: string): void {
    const now = this.clock();
    this.total.logError(now);
    this.entry(method, name).logError(now);
    const key = errorKey(method, name, error);
    const known = this.errors.get(key);
    if (known === undefined) this.errors.set(key, { method, name, error, occurrences: 1, firstSeen: now, lastSeen: now });
    else {
      known.occurrences += 1;
      known.lastSeen = now;
    }
  }

  /** Entries in the order they first appeared (Locust's dict order, used by --json). */
  entriesInOrder(): StatsEntry[] {
    return [...this.entries.values()];
  }

  /** Entries sorted by (name, method), as Locust's `sort_stats`. */
  sortedEntries(): StatsEntry[] {
    return [...this.entries.values()].sort((a, b) => compareText(a.name, b.name) || compareText(a.method, b.method));
  }

  /** Errors sorted by their key, as Locust's `sort_stats(stats.errors)`. */
  sortedErrors(): StatsError[] {
    return [...this.errors.entries()].sort(([a], [b]) => compareText(a, b)).map(([, error]) => error);
  }

  get hasErrors(): boolean {
    return this.errors.size > 0;
  }

  private entry(method: string, name: string): StatsEntry {
    const key = `${name}\u0000${method}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = new StatsEntry(this, name, method, this.clock());
      this.entries.set(key, entry);
    }
    return entry;
  }
}
