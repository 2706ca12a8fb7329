/**
 * Weighted choices: a random pick (Locust's task selection) and a smooth weighted round robin
 * (how users are spread over user classes: exact proportions, evenly interleaved).
 */
import type { Random } from "./random.ts";

export interface Weighted {
  readonly weight: number;
}

export function pickWeighted<T extends Weighted>(items: readonly T[], random: Random): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let point = random() * total;
  for (const item of items) {
    point -= item.weight;
    if (point < 0) return item;
  }
  const last = items.at(-1);
  if (last === undefined) throw new Error("pickWeighted needs at least one item");
  return last;
}

export class WeightedRoundRobin<T extends Weighted> {
  private readonly items: readonly T[];
  private readonly current: number[];
  private readonly total: number;

  constructor(items: readonly T[]) {
    if (items.length === 0) throw new Error("WeightedRoundRobin needs at least one item");
    this.items = items;
    this.current = items.map(() => 0);
    this.total = items.reduce((sum, item) => sum + item.weight, 0);
  }

  next(): T {
    let best = 0;
    for (let i = 0; i < this.items.length; i++) {
      this.current[i] = (this.current[i] ?? 0) + (this.items[i]?.weight ?? 0);
      if ((this.current[i] ?? 0) > (this.current[best] ?? 0)) best = i;
    }
    this.current[best] = (this.current[best] ?? 0) - this.total;
    return this.items[best] as T;
  }
}
