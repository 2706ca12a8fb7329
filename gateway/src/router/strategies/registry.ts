/**
 * routing_strategy → its pick function (the one switch on strategy names).
 */
import type { RouterSettings } from "../../config/schema.ts";
import { costBased } from "./cost-based.ts";
import { latencyBased } from "./latency-based.ts";
import { leastBusy } from "./least-busy.ts";
import { roundRobin } from "./round-robin.ts";
import { simpleShuffle } from "./simple-shuffle.ts";
import type { Strategy } from "./strategy.ts";
import { usageBased } from "./usage-based.ts";

export type StrategyName = NonNullable<RouterSettings["routing_strategy"]>;

export interface StrategyOptions {
  /** latency-based-routing: fraction of the fastest latency within which deployments share load. */
  readonly latencyBuffer: number;
}

export function strategyFor(name: StrategyName, options: StrategyOptions): Strategy {
  switch (name) {
    case "simple-shuffle":
    case "weighted":
      return simpleShuffle;
    case "round_robin":
    case "round-robin":
      return roundRobin;
    case "least-busy":
      return leastBusy;
    case "latency-based-routing":
      return latencyBased(options.latencyBuffer);
    case "usage-based-routing":
    case "usage-based-routing-v2":
      return usageBased;
    case "cost-based-routing":
      return costBased;
  }
}

/** Strategies that read latency measurements (others skip recording them). */
export function needsLatency(name: StrategyName): boolean {
  return name === "latency-based-routing";
}
