/**
 * simple-shuffle, LiteLLM's default: a weighted random pick by `weight` if any candidate sets
 * it, else by `rpm`, else by `tpm`, else uniform. Pure: candidates and a random source in.
 * `weighted` (the seeds' name) is the same pick.
 */
import type { Candidate, RoutingStats } from "./strategy.ts";

type WeightKey = "weight" | "rpm" | "tpm";

function weightKey(candidates: readonly Candidate[]): WeightKey | undefined {
  for (const key of ["weight", "rpm", "tpm"] as const) if (candidates.some((deployment) => deployment[key] !== undefined)) return key;
  return undefined;
}

export function simpleShuffle<T extends Candidate>(candidates: readonly T[], _stats: RoutingStats | undefined, random: () => number): T | undefined {
  if (candidates.length <= 1) return candidates[0];
  const key = weightKey(candidates);
  if (key === undefined) return candidates[Math.floor(random() * candidates.length)];
  // A deployment without the weight others set counts as weight 1 (LiteLLM's behaviour for `weight`).
  let total = 0;
  for (const deployment of candidates) total += deployment[key] ?? 1;
  let point = random() * total;
  for (const deployment of candidates) {
    point -= deployment[key] ?? 1;
    if (point < 0) return deployment;
  }
  return candidates[candidates.length - 1];
}
