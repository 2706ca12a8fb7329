/**
 * round_robin (the seeds' strategy): the candidates in turn, one request each. The turn is the
 * model group's pick counter; deployments that cannot take traffic are already left out.
 */
import type { Candidate, RoutingStats } from "./strategy.ts";

export function roundRobin<T extends Candidate>(candidates: readonly T[], stats: RoutingStats, _random: () => number): T | undefined {
  if (candidates.length === 0) return undefined;
  return candidates[stats.round % candidates.length];
}
