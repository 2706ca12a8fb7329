/**
 * cost-based-routing: the cheapest deployment (input + output price per token); equal prices
 * share the load at random.
 */
import { lowestWithTies } from "./strategy.ts";
import type { Candidate, RoutingStats } from "./strategy.ts";

export function costBased<T extends Candidate>(candidates: readonly T[], _stats: RoutingStats, random: () => number): T | undefined {
  return lowestWithTies(candidates, (candidate) => candidate.price.inputPerToken + candidate.price.outputPerToken, random);
}
