/**
 * The router composed with the memory state, a fake clock and scripted attempts (no I/O).
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import { GatewayError } from "../errors.ts";
import type { ErrorCode } from "../errors.ts";
import type { Usage } from "../providers/openai-types.ts";
import type { Transport } from "../providers/transport.ts";
import { MemoryRouterState } from "../state/memory-state.ts";
import type { RateLimits, RouterState } from "../state/router-state.ts";
import { promptCheck } from "./context-window.ts";
import { buildDeployments } from "./deployments.ts";
import type { Deployment } from "./deployments.ts";
import type { RouterEvent } from "./events.ts";
import { Router } from "./router.ts";
import { resolveRoutingPolicy } from "./routing-policy.ts";

const transport: Transport = {
  request: () => Promise.reject(new Error("no I/O in unit tests")),
  stats: () => undefined,
  close: () => Promise.resolve(),
};

function setup(yaml: string, health?: { isHealthy(id: string): boolean }, state: RouterState = new MemoryRouterState(), random: () => number = () => 0.5) {
  const loaded = parseConfigText(yaml, "test", {});
  const { table, problems } = buildDeployments(loaded.config, {}, { http: () => transport, inProcess: () => transport });
  expect(problems).toEqual([]);
  let now = 1_000_000;
  const events: RouterEvent[] = [];
  const router = new Router({ table, policy: resolveRoutingPolicy(loaded.config), state, clock: () => now, random, health });
  router.events.on((event) => events.push(event));
  return {
    router,
    table,
    events,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const everything = (): boolean => true;

/** A random source that walks through [0, 1) (ties broken differently each time). */
function cycling(): () => number {
  let value = 0;
  return () => (value = (value + 0.377) % 1);
}

/** An attempt that answers with the deployment id, or throws the scripted error for it. */
function scripted(errors: Record<string, ErrorCode | undefined>, hits: string[] = []) {
  return async (deployment: Deployment): Promise<string> => {
    hits.push(deployment.id);
    const code = errors[deployment.id];
    if (code !== undefined) throw new GatewayError(code, `scripted ${code} from ${deployment.id}`);
    return deployment.id;
  };
}

const THREE = `
model_list:
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://a.test/v1" }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://b.test/v1" }, model_info: { id: b } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://c.test/v1" }, model_info: { id: c } }
  - { model_name: fb, litellm_params: { model: openai/m, api_base: "http://f.test/v1" }, model_info: { id: f } }
  - { model_name: long, litellm_params: { model: openai/m, api_base: "http://l.test/v1" }, model_info: { id: l } }
`;

describe("Router", () => {
  it("round-robins over the group and releases in-flight slots on finish", async () => {
    const { router } = setup(`${THREE}router_settings: { routing_strategy: round_robin }\n`);
    const picked: string[] = [];
    for (let i = 0; i < 6; i++) {
      const outcome = await router.route("g", everything, scripted({}));
      picked.push(outcome.value);
      expect(router.state.inFlight(outcome.value)).toBe(1);
      outcome.finish();
      outcome.finish();
      expect(router.state.inFlight(outcome.value)).toBe(0);
    }
    expect(picked).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("retries on another deployment and counts the retry", async () => {
    const { router, events } = setup(`${THREE}router_settings: { routing_strategy: round_robin, num_retries: 2 }\n`);
    const hits: string[] = [];
    const counters = { attemptedRetries: 0, attemptedFallbacks: 0 };
    const outcome = await router.route("g", everything, scripted({ a: "upstream_server_error" }, hits), { counters });
    expect(hits).toHaveLength(2);
    expect(hits[0]).toBe("a");
    expect(hits[1]).not.toBe("a");
    expect(outcome.value).toBe(hits[1]);
    expect(outcome.attemptedRetries).toBe(1);
    expect(counters.attemptedRetries).toBe(1);
    expect(events.filter((event) => event.type === "retry")).toHaveLength(1);
    expect(router.state.inFlight("a")).toBe(0);
  });

  it("never retries a client error and never cools on it", async () => {
    const { router } = setup(`${THREE}router_settings: { num_retries: 3, allowed_fails: 0 }\n`);
    const hits: string[] = [];
    await expect(router.route("g", everything, scripted({ a: "upstream_bad_request", b: "upstream_bad_request", c: "upstream_bad_request" }, hits))).rejects.toMatchObject({ code: "upstream_bad_request" });
    expect(hits).toHaveLength(1);
    expect(router.snapshot().every((entry) => entry.condition === "healthy")).toBe(true);
  });

  it("cools a deployment after more than allowed_fails failures, half-opens it, and one probe decides", async () => {
    const { router, advance, events } = setup(`${THREE}router_settings: { routing_strategy: round_robin, num_retries: 0, allowed_fails: 1, cooldown_time: 10 }\n`);
    const failing = scripted({ a: "upstream_server_error" });
    // round robin: a, b, c, a → a's second failure (> allowed_fails 1) cools it.
    for (let i = 0; i < 4; i++) await router.route("g", everything, failing).then((outcome) => outcome.finish(), () => undefined);
    expect(router.snapshot().find((entry) => entry.deployment.id === "a")?.condition).toBe("cooling");
    expect(events.find((event) => event.type === "cooldown_started")).toMatchObject({ source: "local", errorCode: "upstream_server_error" });
    const hits: string[] = [];
    for (let i = 0; i < 6; i++) (await router.route("g", everything, scripted({}, hits))).finish();
    expect(hits).not.toContain("a");
    advance(10_001);
    // Half-open: the first request that picks it is the probe; a success brings it back.
    const probeHits: string[] = [];
    for (let i = 0; i < 3; i++) (await router.route("g", everything, scripted({}, probeHits))).finish();
    expect(probeHits).toContain("a");
    expect(events.some((event) => event.type === "cooldown_ended" && event.reason === "probe_succeeded")).toBe(true);
    expect(router.snapshot().find((entry) => entry.deployment.id === "a")?.condition).toBe("healthy");
  });

  it("cools again at once when the half-open probe fails", async () => {
    const { router, advance } = setup(`${THREE}router_settings: { routing_strategy: round_robin, num_retries: 0, allowed_fails: 0, cooldown_time: 5 }\n`);
    await router.route("g", everything, scripted({ a: "upstream_timeout" })).catch(() => undefined);
    expect(router.state.cooldown("a", 1_000_000)).toBeDefined();
    advance(5001);
    const hits: string[] = [];
    for (let i = 0; i < 3; i++) await router.route("g", everything, scripted({ a: "upstream_connection" }, hits)).then((outcome) => outcome.finish(), () => undefined);
    expect(hits.filter((id) => id === "a")).toHaveLength(1);
    expect(router.snapshot().find((entry) => entry.deployment.id === "a")?.condition).toBe("cooling");
  });

  it("answers 429 naming every cooling deployment and the seconds left", async () => {
    const { router } = setup(`${THREE}router_settings: { num_retries: 5, allowed_fails: 0, cooldown_time: 30 }\n`);
    const error = await router.route("g", everything, scripted({ a: "upstream_server_error", b: "upstream_server_error", c: "upstream_server_error" })).catch((thrown: unknown) => thrown);
    // All three failed and cooled: the client gets the last upstream error, not a generic 429.
    expect(error).toMatchObject({ code: "upstream_server_error" });
    const next = await router.route("g", everything, scripted({})).catch((thrown: unknown) => thrown);
    expect(next).toBeInstanceOf(GatewayError);
    const gatewayError = next as GatewayError;
    expect(gatewayError.code).toBe("no_healthy_deployment");
    expect(gatewayError.status).toBe(429);
    for (const id of ["a (http://a.test/v1)", "b (http://b.test/v1)", "c (http://c.test/v1)"]) expect(gatewayError.message).toContain(id);
    expect(gatewayError.message).toMatch(/cooling down for 30\.0s more/);
    expect(gatewayError.retryAfterSeconds).toBe(30);
  });

  it("falls back in order, each group with its own retries, and reports the attempts", async () => {
    const { router, events } = setup(`${THREE}router_settings: { num_retries: 1, fallbacks: [{ g: [fb] }] }\n`);
    const hits: string[] = [];
    const outcome = await router.route("g", everything, scripted({ a: "upstream_server_error", b: "upstream_server_error", c: "upstream_server_error" }, hits));
    expect(outcome.value).toBe("f");
    expect(outcome.attemptedRetries).toBe(1);
    expect(outcome.attemptedFallbacks).toBe(1);
    expect(hits).toHaveLength(3);
    expect(events.find((event) => event.type === "fallback")).toMatchObject({ fromGroup: "g", toGroup: "fb" });
  });

  it("sends a context-window error straight to context_window_fallbacks", async () => {
    const { router } = setup(`${THREE}router_settings: { num_retries: 3, fallbacks: [{ g: [fb] }], context_window_fallbacks: [{ g: [long] }] }\n`);
    const hits: string[] = [];
    const outcome = await router.route("g", everything, scripted({ a: "context_window_exceeded", b: "context_window_exceeded", c: "context_window_exceeded" }, hits));
    expect(outcome.value).toBe("l");
    expect(hits).toHaveLength(2);
    expect(outcome.attemptedRetries).toBe(0);
  });

  it("names the fallbacks tried when everything fails, with the attempt headers", async () => {
    const { router } = setup(`${THREE}router_settings: { num_retries: 0, fallbacks: [{ g: [fb] }] }\n`);
    const error = (await router.route("g", everything, scripted({ a: "upstream_server_error", b: "upstream_server_error", c: "upstream_server_error", f: "upstream_timeout" })).catch((thrown: unknown) => thrown)) as GatewayError;
    expect(error.code).toBe("upstream_server_error");
    expect(error.message).toContain("fallbacks tried: fb (upstream_timeout)");
    expect(error.headers).toMatchObject({ "x-litellm-attempted-fallbacks": "1", "x-litellm-attempted-retries": "0" });
  });

  it("skips deployments at their rpm limit for the current minute", async () => {
    const { router, advance } = setup(`
model_list:
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://a.test/v1", rpm: 2 }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://b.test/v1", rpm: 1 }, model_info: { id: b } }
`);
    const hits: string[] = [];
    for (let i = 0; i < 3; i++) (await router.route("g", everything, scripted({}, hits))).finish();
    expect(hits.sort()).toEqual(["a", "a", "b"]);
    const error = (await router.route("g", everything, scripted({})).catch((thrown: unknown) => thrown)) as GatewayError;
    expect(error.code).toBe("no_healthy_deployment");
    expect(error.message).toContain("rpm limit (2)");
    advance(60_000);
    (await router.route("g", everything, scripted({}))).finish();
  });

  it("skips a deployment over its tpm for the current minute, whatever the strategy", async () => {
    const strategies = ["simple-shuffle", "weighted", "round_robin", "least-busy", "latency-based-routing", "usage-based-routing", "cost-based-routing"];
    const onlyA = (deployment: Deployment): boolean => deployment.id === "a";
    const usage = (tokens: number): Usage => ({ prompt_tokens: tokens - 10, completion_tokens: 10, total_tokens: tokens });
    for (const strategy of strategies) {
      // a is the preferred pick of every strategy: heavier weight, cheaper, least used.
      const { router, advance, events } = setup(`
model_list:
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://a.test/v1", tpm: 100, weight: 1000, input_cost_per_token: 0.000001 }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://b.test/v1", tpm: 1000, weight: 1, input_cost_per_token: 0.001 }, model_info: { id: b } }
router_settings: { routing_strategy: ${strategy}, routing_strategy_args: { lowest_latency_buffer: 1000 } }
`,
        undefined,
        undefined,
        cycling(),
      );
      // b has used 99.5 % of its tpm, a 99 %: a is still in rotation (usage-based routing prefers it).
      (await router.route("g", (deployment) => deployment.id === "b", scripted({}))).finish({ usage: usage(995) });
      (await router.route("g", onlyA, scripted({}))).finish({ usage: usage(99) });
      const before: string[] = [];
      for (let i = 0; i < 6; i++) (await router.route("g", everything, scripted({}, before))).finish();
      expect(before, strategy).toContain("a");
      (await router.route("g", onlyA, scripted({}))).finish({ usage: usage(20) });
      const hits: string[] = [];
      for (let i = 0; i < 8; i++) (await router.route("g", everything, scripted({}, hits))).finish();
      expect(hits, strategy).toEqual(Array(8).fill("b"));
      const error = (await router.route("g", onlyA, scripted({})).catch((thrown: unknown) => thrown)) as GatewayError;
      expect(error.code, strategy).toBe("no_healthy_deployment");
      expect(error.message).toContain("a (http://a.test/v1) reached its tpm limit (100) for this minute");
      expect(events.some((event) => event.type === "deployment_rate_limited" && event.limit === "tpm")).toBe(true);
      // The next minute, a is back.
      advance(60_000);
      const after: string[] = [];
      for (let i = 0; i < 6; i++) (await router.route("g", everything, scripted({}, after))).finish();
      expect(after, strategy).toContain("a");
    }
  });

  it("moves on when the shared state refuses a reservation, and answers 429 naming the limit when nothing is left", async () => {
    // What the Redis state does near a limit: the reservation is refused and the view shows the limit.
    const refused = new Set(["a"]);
    const state = new MemoryRouterState();
    const reserving: RouterState = Object.assign(Object.create(state) as MemoryRouterState, {
      countRequest(id: string, limits: RateLimits, now: number): true | Promise<boolean> {
        if (!refused.has(id)) return state.countRequest(id, limits, now);
        state.addUsage(id, limits.rpm ?? 0, 0, now);
        return Promise.resolve(false);
      },
    });
    const { router } = setup(
      `
model_list:
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://a.test/v1", rpm: 5 }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://b.test/v1", rpm: 50 }, model_info: { id: b } }
router_settings: { routing_strategy: round_robin }
`,
      undefined,
      reserving,
    );
    const hits: string[] = [];
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await router.route("g", everything, scripted({}, hits)));
    expect(hits).toEqual(["b", "b", "b", "b"]);
    expect(outcomes.map((outcome) => outcome.attemptedRetries)).toEqual([0, 0, 0, 0]);
    for (const outcome of outcomes) outcome.finish();
    expect(state.inFlight("a")).toBe(0);
    expect(state.inFlight("b")).toBe(0);
    refused.add("b");
    const error = (await router.route("g", everything, scripted({}, hits)).catch((thrown: unknown) => thrown)) as GatewayError;
    expect(error.code).toBe("no_healthy_deployment");
    expect(error.status).toBe(429);
    expect(error.message).toContain("a (http://a.test/v1) reached its rpm limit (5)");
    expect(error.message).toContain("b (http://b.test/v1) reached its rpm limit (50)");
    expect(hits).toHaveLength(4);
  });

  it("lets exactly one probe through after a cooldown: while it is pending, concurrent requests keep away", async () => {
    const { router, advance } = setup(`${THREE}router_settings: { routing_strategy: round_robin, num_retries: 0, allowed_fails: 0, cooldown_time: 5 }\n`);
    const onlyA = (deployment: Deployment): boolean => deployment.id === "a";
    await router.route("g", onlyA, scripted({ a: "upstream_server_error" })).catch(() => undefined);
    expect(router.snapshot().find((entry) => entry.deployment.id === "a")?.condition).toBe("cooling");
    advance(5001);
    // The probe: the first attempt on a stays pending until we let it answer.
    let answer!: () => void;
    const pending = new Promise<void>((resolve) => (answer = resolve));
    const hits: string[] = [];
    const held = async (deployment: Deployment): Promise<string> => {
      hits.push(deployment.id);
      if (deployment.id === "a" && hits.indexOf("a") === hits.length - 1) await pending;
      return deployment.id;
    };
    const probe = router.route("g", onlyA, held);
    expect(hits).toEqual(["a"]);
    // Concurrent requests while the probe decides: none reaches a.
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => router.route("g", everything, held)));
    expect(hits.slice(1).sort()).toEqual(["b", "b", "b", "c", "c", "c"]);
    for (const outcome of concurrent) outcome.finish();
    // A request only a can serve is told why.
    const refused = (await router.route("g", onlyA, held).catch((thrown: unknown) => thrown)) as GatewayError;
    expect(refused.code).toBe("no_healthy_deployment");
    expect(refused.message).toContain("a (http://a.test/v1) is being probed after its cooldown");
    expect(hits.filter((id) => id === "a")).toHaveLength(1);
    // The probe succeeds: a is back in full rotation.
    answer();
    (await probe).finish();
    expect(router.snapshot().find((entry) => entry.deployment.id === "a")?.condition).toBe("healthy");
    const after: string[] = [];
    for (let i = 0; i < 3; i++) (await router.route("g", everything, scripted({}, after))).finish();
    expect(after).toContain("a");
  });

  it("skips deployments its health checks took out", async () => {
    const { router } = setup(THREE, { isHealthy: (id) => id === "c" });
    const hits: string[] = [];
    for (let i = 0; i < 5; i++) (await router.route("g", everything, scripted({}, hits))).finish();
    expect(new Set(hits)).toEqual(new Set(["c"]));
  });

  it("counts a stream that broke after it was committed against the deployment", async () => {
    const { router } = setup(`${THREE}router_settings: { allowed_fails: 0, cooldown_time: 5 }\n`);
    const outcome = await router.route("g", (deployment) => deployment.id === "a", scripted({}));
    outcome.finish({ error: new GatewayError("upstream_connection", "stream broke") });
    expect(router.state.cooldown("a", 1_000_000)).toBeDefined();
  });
});

describe("pre-call checks (enable_pre_call_checks: the prompt against max_input_tokens)", () => {
  const WINDOWS = `
model_list:
  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_base: "http://a.test/v1" }, model_info: { id: short, max_input_tokens: 50 } }
  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_base: "http://b.test/v1" }, model_info: { id: wide, max_input_tokens: 10000 } }
  - { model_name: tiny, litellm_params: { model: openai/gpt-4o, api_base: "http://c.test/v1" }, model_info: { id: tiny-1, max_input_tokens: 50 } }
  - { model_name: tiny, litellm_params: { model: openai/gpt-4o, api_base: "http://d.test/v1" }, model_info: { id: tiny-2, max_input_tokens: 60 } }
  - { model_name: long, litellm_params: { model: openai/gpt-4o, api_base: "http://l.test/v1" }, model_info: { id: l } }
router_settings: { routing_strategy: round_robin }
`;
  const long = promptCheck("chat", { model: "g", messages: [{ role: "user", content: "word ".repeat(200) }] });
  const brief = promptCheck("chat", { model: "g", messages: [{ role: "user", content: "hello" }] });

  it("is read from router_settings and off by default", () => {
    expect(setup(WINDOWS.replace("round_robin }", "round_robin, enable_pre_call_checks: true }")).router.policy.preCallChecks).toBe(true);
    expect(setup(WINDOWS).router.policy.preCallChecks).toBe(false);
  });

  it("routes a long prompt only to the deployments whose window takes it; short prompts go anywhere", async () => {
    const { router } = setup(WINDOWS);
    const hits: string[] = [];
    for (let i = 0; i < 6; i++) (await router.route("g", everything, scripted({}, hits), { prompt: long })).finish();
    expect(hits).toEqual(Array(6).fill("wide"));
    hits.length = 0;
    for (let i = 0; i < 6; i++) (await router.route("g", everything, scripted({}, hits), { prompt: brief })).finish();
    expect(new Set(hits)).toEqual(new Set(["short", "wide"]));
  });

  it("fails with context_window_exceeded before any call when nothing fits, cooling nothing", async () => {
    const { router, events } = setup(WINDOWS);
    const hits: string[] = [];
    const error = (await router.route("tiny", everything, scripted({}, hits), { prompt: long }).catch((thrown: unknown) => thrown)) as GatewayError;
    expect(error.code).toBe("context_window_exceeded");
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages");
    expect(error.message).toContain("tiny-1: 50, tiny-2: 60");
    expect(hits).toEqual([]);
    expect(events.filter((event) => event.type === "attempt" || event.type === "cooldown_started")).toEqual([]);
    expect(router.state.cooldown("tiny-1", 1_000_000)).toBeUndefined();
  });

  it("uses the general fallbacks when no context_window_fallbacks are configured (as LiteLLM does)", async () => {
    const { router } = setup(WINDOWS.replace("round_robin }", "round_robin, fallbacks: [{ tiny: [g] }] }"));
    const outcome = await router.route("tiny", everything, scripted({}), { prompt: long });
    expect(outcome.value).toBe("wide");
    expect(outcome.attemptedFallbacks).toBe(1);
  });

  it("goes to context_window_fallbacks, where the checks run again", async () => {
    const { router } = setup(WINDOWS.replace("round_robin }", "round_robin, context_window_fallbacks: [{ tiny: [g, long] }] }"));
    const hits: string[] = [];
    const outcome = await router.route("tiny", everything, scripted({}, hits), { prompt: long });
    expect(outcome.value).toBe("wide");
    expect(outcome.attemptedFallbacks).toBe(1);
    expect(hits).toEqual(["wide"]);
  });

  it("changes nothing without a prompt check or without windows", async () => {
    const { router } = setup(WINDOWS);
    const hits: string[] = [];
    for (let i = 0; i < 4; i++) (await router.route("tiny", everything, scripted({}, hits))).finish();
    expect(new Set(hits)).toEqual(new Set(["tiny-1", "tiny-2"]));
    expect((await router.route("long", everything, scripted({}), { prompt: long })).value).toBe("l");
  });
});
