/**
 * One load run from start to stop: the HTTP client, the recorder, the load model, a tick every
 * second (history rows, periodic tables, abort checks happen in `onTick`), and the stop — when
 * the run time is over, when `signal` aborts (Ctrl-C), or when `onTick` says so.
 */
import type { LoadPlan } from "../cli/run-options.ts";
import { HttpClient } from "../http/http-client.ts";
import type { Random } from "../scenario/random.ts";
import type { Scenario } from "../scenario/scenario.ts";
import type { Clock } from "../stats/locust-stats.ts";
import { ClosedModel } from "./closed-model.ts";
import type { LoadModel } from "./load-model.ts";
import { OpenModel } from "./open-model.ts";
import { RunRecorder } from "./run-recorder.ts";
import type { RunMeasurements } from "./run-measurements.ts";

export interface Tick {
  readonly run: RunMeasurements;
  readonly userCount: number;
  /** Wall clock, Unix seconds. */
  readonly now: number;
}

export interface LoadRunSetup {
  readonly scenario: Scenario;
  readonly host: string;
  readonly plan: LoadPlan;
  /** undefined: until `signal` aborts. */
  readonly runTimeMs: number | undefined;
  readonly stopTimeoutMs: number;
  readonly random: Random;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Called at the start (user count 0) and every second after; returning "stop" ends the run. */
  readonly onTick?: (tick: Tick) => "stop" | undefined;
  readonly onSpawned?: (countsByClass: Readonly<Record<string, number>>) => void;
}

export type StopReason = "run-time" | "signal" | "tick";

export interface LoadRunResult {
  readonly run: RunMeasurements;
  /** Requests cut off at the stop (not recorded). */
  readonly interrupted: number;
  readonly stoppedBy: StopReason;
}

function createModel(setup: LoadRunSetup, client: HttpClient, recorder: RunRecorder): { model: LoadModel; open: OpenModel | undefined } {
  const { plan, scenario, random } = setup;
  if (plan.kind === "open") {
    const open = new OpenModel(scenario, client, recorder, { rate: plan.rate, arrival: plan.arrival, maxInFlight: plan.maxInFlight, maxLatenessMs: plan.maxLatenessMs, random });
    return { model: open, open };
  }
  const onSpawned = setup.onSpawned === undefined ? {} : { onSpawned: setup.onSpawned };
  return { model: new ClosedModel(scenario, client, recorder, { users: plan.users, spawnRate: plan.spawnRate, random, ...onSpawned }), open: undefined };
}

function waitForStop(setup: LoadRunSetup, tick: () => "stop" | undefined): Promise<StopReason> {
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const finish = (reason: StopReason): void => {
      for (const timer of timers) clearTimeout(timer);
      setup.signal?.removeEventListener("abort", onAbort);
      resolve(reason);
    };
    const onAbort = (): void => finish("signal");
    if (setup.signal?.aborted === true) return finish("signal");
    setup.signal?.addEventListener("abort", onAbort);
    if (setup.runTimeMs !== undefined) timers.push(setTimeout(() => finish("run-time"), setup.runTimeMs));
    const interval = setInterval(() => {
      if (tick() === "stop") finish("tick");
    }, 1000);
    timers.push(interval);
  });
}

export async function executeLoadRun(setup: LoadRunSetup): Promise<LoadRunResult> {
  const connections = setup.plan.kind === "closed" ? Math.max(1, setup.plan.users) : setup.plan.maxInFlight;
  const client = new HttpClient(setup.host, connections);
  const recorder = new RunRecorder(setup.scenario.metrics, setup.clock);
  const { model, open } = createModel(setup, client, recorder);
  const measurements = (at = performance.now()): RunMeasurements => ({
    recorder,
    durationS: (at - recorder.startedAt) / 1000,
    open: open === undefined ? undefined : { counts: open.snapshot(), lateness: open.lateness },
  });
  const tick = (): "stop" | undefined => {
    recorder.series.tick(performance.now(), recorder.startedAt, model.userCount);
    return setup.onTick?.({ run: measurements(), userCount: model.userCount, now: setup.clock() });
  };
  try {
    setup.onTick?.({ run: measurements(), userCount: 0, now: setup.clock() });
    model.start();
    const stoppedBy = await waitForStop(setup, tick);
    const stoppedAt = performance.now();
    recorder.series.finish(stoppedAt, recorder.startedAt, model.userCount);
    await model.stop(setup.stopTimeoutMs);
    const run = measurements(stoppedAt);
    return { run, interrupted: model.interrupted, stoppedBy };
  } finally {
    await client.close();
  }
}
