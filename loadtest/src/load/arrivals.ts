/**
 * Open-model arrival times: constant spacing (1/rate) or a Poisson process (exponential gaps
 * with mean 1/rate), as offsets in milliseconds from the start of the run.
 */
import type { Random } from "../scenario/random.ts";

export type ArrivalKind = "constant" | "poisson";

/** Returns successive arrival offsets (ms): the first at 0, then one per gap. */
export function arrivalOffsets(rate: number, kind: ArrivalKind, random: Random): () => number {
  const meanGapMs = 1000 / rate;
  let index = 0;
  let offset = 0;
  return () => {
    if (index > 0) offset = kind === "constant" ? index * meanGapMs : offset - Math.log(1 - random()) * meanGapMs;
    index += 1;
    return offset;
  };
}
