/**
 * Per alert type: a token bucket of Slack messages. `burst` messages may go at once, then one
 * more every `refillMs`. While a type is throttled its alerts keep accumulating (their counts
 * grow) and go out in the next message it is allowed: an incident is a few messages.
 */
export class MessageThrottle<K> {
  private readonly buckets = new Map<K, { tokens: number; refilledAt: number }>();
  private readonly burst: number;
  private readonly refillMs: number;

  constructor(burst: number, refillMs: number) {
    this.burst = burst;
    this.refillMs = refillMs;
  }

  /** Takes a token for `key` at `now`; false when none is left. */
  take(key: K, now: number): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, refilledAt: now };
    const earned = Math.floor((now - bucket.refilledAt) / this.refillMs);
    if (earned > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + earned);
      bucket.refilledAt = bucket.tokens === this.burst ? now : bucket.refilledAt + earned * this.refillMs;
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
