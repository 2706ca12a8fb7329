/**
 * RouterState in one process: plain maps. Also the local view the Redis state builds on.
 */
import { minuteOf } from "./router-state.ts";
import type { Cooldown, MinuteUsage, RateLimits, RemoteCooldownListener, RouterState } from "./router-state.ts";

interface Counter {
  count: number;
  expiresAt: number;
}

interface UsageCell {
  minute: number;
  requests: number;
  tokens: number;
}

const NO_USAGE: MinuteUsage = { requests: 0, tokens: 0 };

export class MemoryRouterState implements RouterState {
  readonly kind: "memory" | "cluster" | "redis" = "memory";
  private readonly cooldowns = new Map<string, Cooldown>();
  private readonly failures = new Map<string, Map<string, Counter>>();
  private readonly usageCells = new Map<string, UsageCell>();
  private readonly inFlightCounts = new Map<string, number>();

  cooldown(deploymentId: string, now: number): Cooldown | undefined {
    const entry = this.cooldowns.get(deploymentId);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.cooldowns.delete(deploymentId);
      return undefined;
    }
    return entry;
  }

  startCooldown(deploymentId: string, cooldown: Cooldown): void {
    const current = this.cooldowns.get(deploymentId);
    if (current === undefined || current.until < cooldown.until) this.cooldowns.set(deploymentId, cooldown);
  }

  /** All cooldowns known, running or not yet swept (for the shared view). */
  allCooldowns(): ReadonlyMap<string, Cooldown> {
    return this.cooldowns;
  }

  countFailure(deploymentId: string, bucket: string, windowMs: number, now: number): number {
    let buckets = this.failures.get(deploymentId);
    if (buckets === undefined) this.failures.set(deploymentId, (buckets = new Map()));
    let counter = buckets.get(bucket);
    if (counter === undefined || counter.expiresAt <= now) buckets.set(bucket, (counter = { count: 0, expiresAt: now + windowMs }));
    counter.count += 1;
    return counter.count;
  }

  clearFailures(deploymentId: string): void {
    this.failures.delete(deploymentId);
  }

  usage(deploymentId: string, now: number): MinuteUsage {
    const cell = this.usageCells.get(deploymentId);
    if (cell === undefined || cell.minute !== minuteOf(now)) return NO_USAGE;
    return cell;
  }

  addUsage(deploymentId: string, requests: number, tokens: number, now: number): void {
    const minute = minuteOf(now);
    let cell = this.usageCells.get(deploymentId);
    if (cell === undefined || cell.minute !== minute) this.usageCells.set(deploymentId, (cell = { minute, requests: 0, tokens: 0 }));
    cell.requests += requests;
    cell.tokens += tokens;
  }

  /** One process: the router's pick already checked the limits against exact counts (always `true`). */
  countRequest(deploymentId: string, _limits: RateLimits, now: number): true | Promise<boolean> {
    this.addUsage(deploymentId, 1, 0, now);
    return true;
  }

  inFlight(deploymentId: string): number {
    return this.inFlightCounts.get(deploymentId) ?? 0;
  }

  /** This process's in-flight counts. */
  localInFlight(): ReadonlyMap<string, number> {
    return this.inFlightCounts;
  }

  acquire(deploymentId: string): void {
    this.inFlightCounts.set(deploymentId, (this.inFlightCounts.get(deploymentId) ?? 0) + 1);
  }

  release(deploymentId: string): void {
    const current = this.inFlightCounts.get(deploymentId) ?? 0;
    this.inFlightCounts.set(deploymentId, current > 0 ? current - 1 : 0);
  }

  onRemoteCooldown(_listener: RemoteCooldownListener): void {
    // One process: no other instance can start a cooldown.
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
