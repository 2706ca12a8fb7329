/**
 * The router's shared facts about deployments: cooldowns, failure counters, requests and
 * tokens used this minute, requests in flight. One interface, two implementations:
 * memory-state.ts (one process, the default) and redis-state.ts (every instance sharing Redis).
 *
 * Every read is synchronous and local (the hot path never waits on the network); writes apply
 * locally at once and reach other instances in the background. The one exception is a request
 * to a deployment near its rpm/tpm limit when the state is shared through Redis: it is reserved
 * there first (countRequest), so the limit holds across instances. Times are epoch milliseconds
 * (`Date.now()`), the one clock instances share.
 */
import type { RateLimits } from "./lease-policy.ts";

export type { RateLimits } from "./lease-policy.ts";

export interface Cooldown {
  /** Epoch milliseconds when the cooldown ends. */
  readonly until: number;
  /** Why (error code and message), shown in the 429 when every deployment is cooling. */
  readonly reason: string;
}

export interface MinuteUsage {
  readonly requests: number;
  readonly tokens: number;
}

export type RemoteCooldownListener = (deploymentId: string, cooldown: Cooldown) => void;

export interface RouterState {
  readonly kind: "memory" | "cluster" | "redis";
  /** The deployment's cooldown, if one is running at `now`. */
  cooldown(deploymentId: string, now: number): Cooldown | undefined;
  /** Starts (or extends) a cooldown, here and on every instance. */
  startCooldown(deploymentId: string, cooldown: Cooldown): void;
  /**
   * Counts one failure in `bucket` within a window of `windowMs` (the window starts at the first
   * failure). Returns the count this instance knows now; when the state is shared, `onShared`
   * later receives the count across all instances.
   */
  countFailure(deploymentId: string, bucket: string, windowMs: number, now: number, onShared?: (count: number) => void): number;
  /** Forgets the failure counters (a half-open probe succeeded). */
  clearFailures(deploymentId: string): void;
  usage(deploymentId: string, now: number): MinuteUsage;
  addUsage(deploymentId: string, requests: number, tokens: number, now: number): void;
  /**
   * Counts one request sent to the deployment this minute (as addUsage(id, 1, 0, now)). `true`:
   * send it now. A Promise when it must first be reserved in the shared store (the deployment
   * is near its limits): `false` means the limit is reached — the request was not counted and
   * usage() now shows the deployment at its limit, so the next pick skips it.
   */
  countRequest(deploymentId: string, limits: RateLimits, now: number): true | Promise<boolean>;
  /** Requests in flight on the deployment (all instances when shared). */
  inFlight(deploymentId: string): number;
  acquire(deploymentId: string): void;
  release(deploymentId: string): void;
  /** Called when a cooldown started by another instance arrives. */
  onRemoteCooldown(listener: RemoteCooldownListener): void;
  /** Connects and loads the shared view (bounded wait); a no-op for memory. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export const MINUTE_MS = 60_000;

export function minuteOf(now: number): number {
  return Math.floor(now / MINUTE_MS);
}
