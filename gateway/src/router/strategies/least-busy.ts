/**
 * least-busy: the deployment with the fewest requests in flight; ties are broken at random so
 * an idle group spreads its load instead of piling onto the first deployment.
 */
import { lowestWithTies } from "./strategy.ts";
import type { Candidate, RoutingStats } from "./strategy.ts";

export function leastBusy<T extends Candidate>(candidates: readonly T[], stats: RoutingStats, random: () => number): T | undefined {
  return lowestWithTies(candidates, (candidate) => stats.inFlight(candidate.id), random);
}
