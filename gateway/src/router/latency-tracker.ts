/**
 * Recent latency per deployment for latency-based routing, kept in this process: the mean of
 * the last few measurements younger than the TTL, separately for whole responses and for time
 * to first token (streams). A failure counts as a slow measurement so traffic moves away.
 */

const SAMPLES = 10;
/** A failed call is remembered as at least this slow. */
export const FAILURE_PENALTY_MS = 5000;

class Series {
  private readonly values = new Float64Array(SAMPLES);
  private readonly times = new Float64Array(SAMPLES);
  private size = 0;
  private next = 0;
  /** The mean last computed, valid until a sample is added or the oldest one counted expires. */
  private cached: number | undefined;
  private validUntil = -Infinity;

  add(ms: number, now: number): void {
    this.values[this.next] = ms;
    this.times[this.next] = now;
    this.next = (this.next + 1) % SAMPLES;
    if (this.size < SAMPLES) this.size += 1;
    this.validUntil = -Infinity;
  }

  mean(now: number, ttlMs: number): number | undefined {
    if (now < this.validUntil) return this.cached;
    let sum = 0;
    let count = 0;
    let oldest = Infinity;
    for (let i = 0; i < this.size; i++) {
      const at = this.times[i]!;
      if (now - at > ttlMs) continue;
      sum += this.values[i]!;
      count += 1;
      oldest = Math.min(oldest, at);
    }
    this.cached = count === 0 ? undefined : sum / count;
    this.validUntil = count === 0 ? Infinity : oldest + ttlMs;
    return this.cached;
  }
}

export class LatencyTracker {
  private readonly full = new Map<string, Series>();
  private readonly firstToken = new Map<string, Series>();
  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  record(deploymentId: string, ms: number, stream: boolean, now: number): void {
    const map = stream ? this.firstToken : this.full;
    let series = map.get(deploymentId);
    if (series === undefined) map.set(deploymentId, (series = new Series()));
    series.add(ms, now);
  }

  recordFailure(deploymentId: string, ms: number, stream: boolean, now: number): void {
    this.record(deploymentId, Math.max(ms, FAILURE_PENALTY_MS), stream, now);
  }

  /** Streams are compared by time to first token, falling back to whole-response latency. */
  latency(deploymentId: string, stream: boolean, now: number): number | undefined {
    if (stream) return this.firstToken.get(deploymentId)?.mean(now, this.ttlMs) ?? this.full.get(deploymentId)?.mean(now, this.ttlMs);
    return this.full.get(deploymentId)?.mean(now, this.ttlMs) ?? this.firstToken.get(deploymentId)?.mean(now, this.ttlMs);
  }
}
