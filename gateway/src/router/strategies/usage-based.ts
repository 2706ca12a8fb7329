/**
 * usage-based-routing: the least-used deployment this minute. When every candidate has its own
 * `rpm`/`tpm`, "least used" is the share of its limits already spent (so a bigger server takes
 * more); otherwise it is the tokens served this minute, then the requests. Deployments at their
 * limit never get here: the router removes them for every strategy.
 */
import { lowestWithTies } from "./strategy.ts";
import type { Candidate, RoutingStats } from "./strategy.ts";

function limited(candidate: Candidate): boolean {
  return candidate.rpm !== undefined || candidate.tpm !== undefined;
}

/** The share (0 … 1) of a deployment's tighter limit used this minute. */
export function limitShare(candidate: Candidate, stats: RoutingStats): number {
  const usage = stats.usage(candidate.id);
  const byRequests = candidate.rpm === undefined ? 0 : usage.requests / candidate.rpm;
  const byTokens = candidate.tpm === undefined ? 0 : usage.tokens / candidate.tpm;
  return Math.max(byRequests, byTokens);
}

function rawUsage(candidate: Candidate, stats: RoutingStats): number {
  const usage = stats.usage(candidate.id);
  return usage.tokens + usage.requests / 1e6;
}

export function usageBased<T extends Candidate>(candidates: readonly T[], stats: RoutingStats, random: () => number): T | undefined {
  const score = candidates.every(limited) ? limitShare : rawUsage;
  return lowestWithTies(candidates, (candidate) => score(candidate, stats), random);
}
