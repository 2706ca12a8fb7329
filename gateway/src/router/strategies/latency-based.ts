/**
 * latency-based-routing: the deployment with the lowest recent latency (time to first token for
 * streams). `lowest_latency_buffer` lets every deployment within that fraction of the fastest
 * share the load (0.5 = up to 50 % slower). A deployment without a measurement yet is tried
 * first, so a new or recovered deployment gets measured.
 */
import { lowestWithTies } from "./strategy.ts";
import type { Candidate, RoutingStats } from "./strategy.ts";

export function latencyBased(buffer: number) {
  return function pick<T extends Candidate>(candidates: readonly T[], stats: RoutingStats, random: () => number): T | undefined {
    return lowestWithTies(candidates, (candidate) => stats.latencyMs(candidate.id) ?? 0, random, buffer);
  };
}
