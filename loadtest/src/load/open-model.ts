/**
 * The open model: requests are due on a fixed schedule (`--rate`, constant or Poisson), whatever
 * the server does, and each latency is measured from the request's intended send time, so a
 * slow server cannot hide behind a generator that waits for it (coordinated omission).
 *
 * A due request starts at once if fewer than `maxInFlight` are in flight; otherwise it waits in
 * a backlog and starts late (its latency still counts from the intended time). A request that
 * could not start within `maxLatenessMs` of its intended time is dropped and counted, as are
 * backlog entries still waiting when the run ends. "Late" counts sends that left more than
 * LATE_AFTER_MS after their intended time (backlog or a busy event loop).
 */
import type { HttpClient } from "../http/http-client.ts";
import type { Random } from "../scenario/random.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { pickWeighted } from "../scenario/weighted.ts";
import { LatencyHistogram } from "../stats/latency-histogram.ts";
import { arrivalOffsets } from "./arrivals.ts";
import type { ArrivalKind } from "./arrivals.ts";
import type { LoadModel } from "./load-model.ts";
import type { RunRecorder } from "./run-recorder.ts";
import { runTask } from "./run-task.ts";
import type { TaskContext } from "./run-task.ts";

export const LATE_AFTER_MS = 10;

export interface OpenModelOptions {
  readonly rate: number;
  readonly arrival: ArrivalKind;
  readonly maxInFlight: number;
  readonly maxLatenessMs: number;
  readonly random: Random;
}

export interface OpenModelCounts {
  /** Requests whose intended send time fell inside the run. */
  readonly intended: number;
  readonly sent: number;
  readonly late: number;
  readonly dropped: number;
}

export class OpenModel implements LoadModel {
  /** Actual send − intended send, for every request sent. */
  readonly lateness = new LatencyHistogram();
  private readonly scenario: Scenario;
  private readonly options: OpenModelOptions;
  private readonly context: TaskContext;
  private readonly nextOffset: () => number;
  private readonly requests = new AbortController();
  private readonly inFlightTasks = new Set<Promise<void>>();
  private backlog: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private upcoming = 0;
  private stopping = false;
  private inFlight = 0;
  private cutOff = 0;
  private counts = { intended: 0, sent: 0, late: 0, dropped: 0 };

  constructor(scenario: Scenario, client: HttpClient, recorder: RunRecorder, options: OpenModelOptions) {
    this.scenario = scenario;
    this.options = options;
    let sequence = 0;
    this.context = { client, recorder, random: options.random, user: 0, nextSequence: () => ++sequence };
    this.nextOffset = arrivalOffsets(options.rate, options.arrival, options.random);
  }

  get userCount(): number {
    return this.inFlight;
  }

  get interrupted(): number {
    return this.cutOff;
  }

  snapshot(): OpenModelCounts {
    return { ...this.counts };
  }

  start(): void {
    this.startedAt = performance.now();
    this.upcoming = this.startedAt + this.nextOffset();
    this.tick();
  }

  async stop(stopTimeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.counts.dropped += this.backlog.length;
    this.backlog = [];
    const finished = Promise.allSettled([...this.inFlightTasks]);
    if (stopTimeoutMs > 0) await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, stopTimeoutMs))]);
    this.requests.abort();
    await finished;
  }

  private tick(): void {
    if (this.stopping) return;
    const now = performance.now();
    while (this.upcoming <= now) {
      this.backlog.push(this.upcoming);
      this.counts.intended += 1;
      this.upcoming = this.startedAt + this.nextOffset();
    }
    this.drain(now);
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.upcoming - performance.now()));
  }

  /** Starts backlog entries while there is room, dropping those that waited too long. */
  private drain(now: number): void {
    let next = 0;
    for (; next < this.backlog.length; next++) {
      const intendedAt = this.backlog[next] ?? now;
      if (now - intendedAt > this.options.maxLatenessMs) {
        this.counts.dropped += 1;
        continue;
      }
      if (this.inFlight >= this.options.maxInFlight) break;
      this.send(intendedAt, now);
    }
    this.backlog = next === 0 ? this.backlog : this.backlog.slice(next);
  }

  private send(intendedAt: number, now: number): void {
    const lateness = now - intendedAt;
    this.counts.sent += 1;
    if (lateness > LATE_AFTER_MS) this.counts.late += 1;
    this.lateness.record(lateness);
    this.inFlight += 1;
    const userClass = pickWeighted(this.scenario.userClasses, this.options.random);
    const task = runTask(pickWeighted(userClass.tasks, this.options.random), this.context, this.requests.signal, intendedAt).then((result) => {
      if (result === "interrupted") this.cutOff += 1;
      this.inFlight -= 1;
      this.inFlightTasks.delete(task);
      if (!this.stopping) this.drain(performance.now());
    });
    this.inFlightTasks.add(task);
  }
}
