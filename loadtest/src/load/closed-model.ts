/**
 * Locust's closed model: users are started at the spawn rate, spread over the user classes by
 * weight; each user loops "pick a task by weight, run it, sleep its wait_time" until the run
 * stops. Offered load therefore follows the server: ≈ users / (response time + mean wait).
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from "node:timers/promises";
import type { HttpClient } from "../http/http-client.ts";
import type { Random } from "../scenario/random.ts";
import type { Scenario, UserClass } from "../scenario/scenario.ts";
import { nextWaitSeconds } from "../scenario/wait-time.ts";
import { pickWeighted, WeightedRoundRobin } from "../scenario/weighted.ts";
import type { LoadModel } from "./load-model.ts";
import type { RunRecorder } from "./run-recorder.ts";
import { runTask } from "./run-task.ts";
import type { TaskContext } from "./run-task.ts";
import { spawnSchedule } from "./spawn-schedule.ts";

export interface ClosedModelOptions {
  readonly users: number;
  readonly spawnRate: number;
  readonly random: Random;
  /** Called once every user has been started. */
  readonly onSpawned?: (countsByClass: Readonly<Record<string, number>>) => void;
}

export class ClosedModel implements LoadModel {
  private readonly client: HttpClient;
  private readonly recorder: RunRecorder;
  private readonly options: ClosedModelOptions;
  private readonly classes: WeightedRoundRobin<UserClass>;
  private readonly spawnTimers: NodeJS.Timeout[] = [];
  private readonly users: Promise<void>[] = [];
  private readonly countsByClass: Record<string, number> = {};
  private readonly waits = new AbortController();
  private readonly requests = new AbortController();
  private stopping = false;
  private sequence = 0;
  private running = 0;
  private cutOff = 0;

  constructor(scenario: Scenario, client: HttpClient, recorder: RunRecorder, options: ClosedModelOptions) {
    this.client = client;
    this.recorder = recorder;
    this.options = options;
    this.classes = new WeightedRoundRobin(scenario.userClasses);
  }

  get userCount(): number {
    return this.running;
  }

  get interrupted(): number {
    return this.cutOff;
  }

  start(): void {
    const steps = spawnSchedule(this.options.users, this.options.spawnRate);
    for (const [index, step] of steps.entries()) {
      const spawn = (): void => {
        while (this.users.length < step.users && !this.stopping) this.spawnUser();
        if (index === steps.length - 1) this.options.onSpawned?.({ ...this.countsByClass });
      };
      if (step.atMs === 0) spawn();
      else this.spawnTimers.push(setTimeout(spawn, step.atMs));
    }
  }

  async stop(stopTimeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.spawnTimers) clearTimeout(timer);
    this.waits.abort();
    const finished = Promise.allSettled(this.users);
    if (stopTimeoutMs > 0) await Promise.race([finished, sleep(stopTimeoutMs)]);
    this.requests.abort();
    await finished;
  }

  private spawnUser(): void {
    const userClass = this.classes.next();
    this.countsByClass[userClass.name] = (this.countsByClass[userClass.name] ?? 0) + 1;
    const user = this.users.length + 1;
    this.running += 1;
    this.users.push(this.runUser(userClass, user).finally(() => (this.running -= 1)));
  }

  private async runUser(userClass: UserClass, user: number): Promise<void> {
    const { random } = this.options;
    const context: TaskContext = { client: this.client, recorder: this.recorder, random, user, nextSequence: () => ++this.sequence };
    while (!this.stopping) {
      const began = performance.now();
      const result = await runTask(pickWeighted(userClass.tasks, random), context, this.requests.signal);
      if (result === "interrupted") this.cutOff += 1;
      if (this.stopping) return;
      const waitMs = nextWaitSeconds(userClass.waitTime, random, (performance.now() - began) / 1000) * 1000;
      if (waitMs > 0) await sleep(waitMs, undefined, { signal: this.waits.signal }).catch(() => undefined);
      else await yieldToLoop();
    }
  }
}
