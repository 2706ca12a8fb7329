/**
 * Workers sharing router state through the primary, with the IPC replaced by direct calls:
 * every worker's send goes through one RouterSyncRelay to the others.
 */
import type { Worker } from "node:cluster";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { routerStateContract } from "../../test/router-state-contract.ts";
import { ClusterRouterState, RouterSyncRelay } from "./cluster-state.ts";
import type { RouterSyncMessage } from "./cluster-state.ts";

interface FakeWorker {
  readonly worker: Worker;
  readonly state: ClusterRouterState;
}

/** N workers wired to one relay, as the primary wires them. */
function group(count: number, options: { shareUsage?: boolean; shareInFlight?: boolean } = {}) {
  const listeners = new Map<number, (message: unknown) => void>();
  const workers: Worker[] = [];
  const relay = new RouterSyncRelay(() => workers);
  const members: FakeWorker[] = [];
  for (let id = 1; id <= count; id++) {
    const worker = {
      id,
      isConnected: () => true,
      send: (message: unknown) => {
        listeners.get(id)?.(message);
        return true;
      },
    } as unknown as Worker;
    workers.push(worker);
    const state = new ClusterRouterState({
      send: (message: RouterSyncMessage) => queueMicrotask(() => relay.onMessage(worker, message)),
      subscribe: (listener) => listeners.set(id, listener),
      shareUsage: options.shareUsage ?? true,
      shareInFlight: options.shareInFlight ?? true,
      flushDelayMs: 1,
      inFlightIntervalMs: 5,
    });
    members.push({ worker, state });
  }
  return { relay, members, workers };
}

routerStateContract("cluster (one worker)", async () => group(1).members[0]!.state);

describe("cluster: sharing between workers", () => {
  it("a cooldown started by one worker reaches the others, with its reason", async () => {
    const { members } = group(3);
    const heard: string[] = [];
    members[2]!.state.onRemoteCooldown((id) => heard.push(id));
    const until = Date.now() + 5000;
    members[0]!.state.startCooldown("d1", { until, reason: "upstream_connection: refused" });
    await sleep(5);
    expect(members[1]!.state.cooldown("d1", Date.now())).toEqual({ until, reason: "upstream_connection: refused" });
    expect(members[2]!.state.cooldown("d1", Date.now())?.until).toBe(until);
    expect(heard).toEqual(["d1"]);
  });

  it("replays running cooldowns to a worker that starts later", async () => {
    const { relay, members, workers } = group(2);
    members[0]!.state.startCooldown("d1", { until: Date.now() + 5000, reason: "x" });
    await sleep(5);
    // A third worker joins (a recycled worker's replacement) and announces it listens.
    const listeners: Array<(message: unknown) => void> = [];
    const late = { id: 3, isConnected: () => true, send: (message: unknown) => listeners.forEach((listener) => listener(message)) } as unknown as Worker;
    workers.push(late);
    const state = new ClusterRouterState({ send: () => undefined, subscribe: (listener) => listeners.push(listener), shareUsage: true, shareInFlight: false });
    relay.onMessage(late, { kind: "listening" });
    expect(state.cooldown("d1", Date.now())?.reason).toBe("x");
  });

  it("counts failures, usage and in-flight requests for the whole group", async () => {
    const { relay, members, workers } = group(2);
    const [one, two] = [members[0]!.state, members[1]!.state];
    await Promise.all([one.start(), two.start()]);
    const now = Date.now();
    expect(one.countFailure("d1", "all", 5000, now)).toBe(1);
    await sleep(5);
    expect(two.countFailure("d1", "all", 5000, now)).toBe(2);
    one.addUsage("d1", 1, 0, now);
    two.addUsage("d1", 1, 40, now);
    await sleep(10);
    expect(one.usage("d1", Date.now())).toMatchObject({ requests: 2, tokens: 40 });
    expect(two.usage("d1", Date.now())).toMatchObject({ requests: 2, tokens: 40 });
    one.acquire("d2");
    one.acquire("d2");
    await sleep(30);
    expect(two.inFlight("d2")).toBe(2);
    // The worker exits: its in-flight counts go with it.
    relay.onExit(workers[0]!);
    expect(two.inFlight("d2")).toBe(0);
    await Promise.all([one.close(), two.close()]);
  });
});
