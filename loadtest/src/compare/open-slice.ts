/** A compare slice on the open model: `--rate` requests/s, latency from the intended send time. */
import type { OpenPlan } from "../cli/run-options.ts";
import { executeLoadRun } from "../load/load-run.ts";
import type { Random } from "../scenario/random.ts";
import type { Scenario } from "../scenario/scenario.ts";
import type { SliceMeasure } from "./slice-measure.ts";
import { sliceMeasure } from "./slice-measure.ts";

export async function openSlice(target: string, scenario: Scenario, plan: OpenPlan, durationS: number, random: Random): Promise<SliceMeasure> {
  const { run } = await executeLoadRun({ scenario, host: target, plan, runTimeMs: durationS * 1000, stopTimeoutMs: 0, random, clock: () => Date.now() / 1000 });
  const { recorder } = run;
  return sliceMeasure(recorder.intendedLatency, recorder.overhead, recorder.requestCount, recorder.stats.total.numFailures, run.durationS);
}
