/**
 * The shape every routing strategy has: a pure pick over the candidates that may take the
 * request now (cooled-down, unhealthy and over-limit deployments are already removed), a
 * read-only view of the routing statistics, and a random source. No I/O, no clock.
 */
import type { Price } from "../../spend/pricing.ts";

/** What a strategy may read about a deployment (a Deployment satisfies it). */
export interface Candidate {
  readonly id: string;
  readonly weight: number | undefined;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly price: Price;
}

export interface MinuteUsage {
  readonly requests: number;
  readonly tokens: number;
}

export interface RoutingStats {
  /** Requests in flight on the deployment (across instances when the state is shared). */
  inFlight(id: string): number;
  /** Recent latency in milliseconds (time to first token for streams); undefined when unknown. */
  latencyMs(id: string): number | undefined;
  /** Requests and tokens used this minute. */
  usage(id: string): MinuteUsage;
  /** How many picks this model group had before this one (round robin). */
  readonly round: number;
}

export type Strategy = <T extends Candidate>(candidates: readonly T[], stats: RoutingStats, random: () => number) => T | undefined;

/** A uniformly random element among those that tie for the lowest score. */
export function lowestWithTies<T>(candidates: readonly T[], score: (candidate: T) => number, random: () => number, tolerance = 0): T | undefined {
  if (candidates.length <= 1) return candidates[0];
  let best = Infinity;
  for (const candidate of candidates) best = Math.min(best, score(candidate));
  const limit = best + Math.abs(best) * tolerance;
  const tied: T[] = [];
  for (const candidate of candidates) if (score(candidate) <= limit) tied.push(candidate);
  return tied[Math.floor(random() * tied.length)] ?? tied[0];
}
