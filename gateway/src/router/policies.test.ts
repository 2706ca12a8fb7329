import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors.ts";
import { exceedsAllowedFails, judgeFailure } from "./cooldown-policy.ts";
import type { CooldownSettings } from "./cooldown-policy.ts";
import { fallbackGroups } from "./fallback-plan.ts";
import type { FallbackSettings } from "./fallback-plan.ts";
import { nextHealth, INITIAL_HEALTH } from "./health-state.ts";
import { allowedRetries, backoffMs, decideRetry } from "./retry-policy.ts";
import type { RetrySettings } from "./retry-policy.ts";

const cooldown: CooldownSettings = { disabled: false, allowedFails: 3, allowedFailsPolicy: {}, cooldownSeconds: 5, explicit: false };
const noOverrides = { allowedFails: undefined, cooldownTimeSeconds: undefined, groupSize: 3 };
const fail = (code: ErrorCode, coolsDown = true, retryAfterSeconds?: number) => ({ code, coolsDown, retryAfterSeconds });

describe("cooldown policy", () => {
  it("cools after more than allowed_fails failures, for cooldown_time", () => {
    const verdict = judgeFailure(fail("upstream_server_error"), noOverrides, cooldown);
    expect(verdict).toMatchObject({ counts: true, bucket: "all", allowedFails: 3, windowMs: 5000, cooldownMs: 5000 });
    expect(exceedsAllowedFails(verdict, 3)).toBe(false);
    expect(exceedsAllowedFails(verdict, 4)).toBe(true);
  });

  it("never counts client errors", () => {
    for (const code of ["upstream_bad_request", "upstream_unprocessable", "context_window_exceeded", "content_policy_violation"] as const) {
      expect(judgeFailure(fail(code, false), noOverrides, cooldown).counts).toBe(false);
    }
  });

  it("is off with disable_cooldowns or cooldown_time 0", () => {
    expect(judgeFailure(fail("upstream_server_error"), noOverrides, { ...cooldown, disabled: true }).counts).toBe(false);
    expect(judgeFailure(fail("upstream_server_error"), noOverrides, { ...cooldown, cooldownSeconds: 0 }).counts).toBe(false);
    expect(judgeFailure(fail("upstream_server_error"), { allowedFails: undefined, cooldownTimeSeconds: 0, groupSize: 3 }, cooldown).counts).toBe(false);
  });

  it("lets the deployment's own allowed_fails and cooldown_time win over the router's", () => {
    expect(judgeFailure(fail("upstream_timeout"), { allowedFails: 0, cooldownTimeSeconds: 30, groupSize: 3 }, cooldown)).toMatchObject({ allowedFails: 0, cooldownMs: 30_000 });
  });

  it("gives an error class in allowed_fails_policy its own counter and limit", () => {
    const settings = { ...cooldown, allowedFailsPolicy: { RateLimitError: 100 } };
    expect(judgeFailure(fail("upstream_rate_limited"), { allowedFails: 1, cooldownTimeSeconds: undefined, groupSize: 3 }, settings)).toMatchObject({ bucket: "RateLimitError", allowedFails: 100 });
    expect(judgeFailure(fail("upstream_server_error"), noOverrides, settings)).toMatchObject({ bucket: "all", allowedFails: 3 });
  });

  it("spares a single-deployment group unless allowed_fails is set explicitly", () => {
    const single = { ...noOverrides, groupSize: 1 };
    expect(judgeFailure(fail("upstream_server_error"), single, cooldown).counts).toBe(false);
    expect(judgeFailure(fail("upstream_server_error"), single, { ...cooldown, explicit: true }).counts).toBe(true);
    expect(judgeFailure(fail("upstream_server_error"), { ...single, allowedFails: 2 }, cooldown)).toMatchObject({ counts: true, allowedFails: 2 });
  });

  it("uses the provider's Retry-After as the cooldown time, capped", () => {
    expect(judgeFailure(fail("upstream_rate_limited", true, 20), noOverrides, cooldown)).toMatchObject({ cooldownMs: 20_000, windowMs: 5000 });
    expect(judgeFailure(fail("upstream_rate_limited", true, 86_400), noOverrides, cooldown)).toMatchObject({ cooldownMs: 3_600_000 });
  });
});

describe("retry policy", () => {
  const settings: RetrySettings = { numRetries: 2, retryPolicy: {}, minDelayMs: 0 };
  const input = { code: "upstream_server_error" as ErrorCode, retryable: true, retryAfterSeconds: undefined, retriesSoFar: 0, anotherDeployment: true };

  it("retries at once on another deployment, up to num_retries", () => {
    expect(decideRetry(input, settings, Math.random)).toEqual({ retry: true, delayMs: 0 });
    expect(decideRetry({ ...input, retriesSoFar: 2 }, settings, Math.random).retry).toBe(false);
  });

  it("never retries client errors, whatever retry_policy says", () => {
    const lenient = { ...settings, retryPolicy: { BadRequestError: 5 } };
    for (const code of ["upstream_bad_request", "upstream_unprocessable", "context_window_exceeded", "client_closed_request"] as const) {
      expect(allowedRetries(code, false, lenient)).toBe(0);
    }
  });

  it("lets retry_policy set retries per class, including a 401 on another key", () => {
    const policy = { ...settings, retryPolicy: { AuthenticationError: 1, TimeoutError: 0 } };
    expect(allowedRetries("upstream_auth", false, policy)).toBe(1);
    expect(allowedRetries("upstream_timeout", true, policy)).toBe(0);
    expect(allowedRetries("upstream_server_error", true, policy)).toBe(2);
  });

  it("waits Retry-After on the same deployment, not beyond 60 s", () => {
    expect(decideRetry({ ...input, anotherDeployment: false, retryAfterSeconds: 2 }, settings, Math.random)).toEqual({ retry: true, delayMs: 2000 });
    expect(decideRetry({ ...input, anotherDeployment: false, retryAfterSeconds: 120 }, settings, Math.random).retry).toBe(false);
  });

  it("backs off exponentially with jitter, never below retry_after", () => {
    expect(backoffMs(0, () => 0)).toBe(500);
    expect(backoffMs(1, () => 0)).toBe(1000);
    expect(backoffMs(1, () => 1)).toBe(750);
    expect(backoffMs(10, () => 0)).toBe(8000);
    const decision = decideRetry({ ...input, anotherDeployment: false }, { ...settings, minDelayMs: 3000 }, () => 0);
    expect(decision).toEqual({ retry: true, delayMs: 3000 });
  });
});

describe("fallback plan", () => {
  const settings: FallbackSettings = {
    general: new Map([
      ["gpt", ["small", "tiny"]],
      ["*", ["anything"]],
    ]),
    contextWindow: new Map([["gpt", ["long"]]]),
    contentPolicy: undefined,
    defaults: ["default", "small"],
    maxFallbacks: 5,
  };

  it("sends the rest through fallbacks then default_fallbacks, without duplicates", () => {
    expect(fallbackGroups("gpt", "upstream_server_error", settings)).toEqual(["small", "tiny", "default"]);
    expect(fallbackGroups("other", "no_healthy_deployment", settings)).toEqual(["anything", "default", "small"]);
  });

  it("sends context-window errors to their own list only", () => {
    expect(fallbackGroups("gpt", "context_window_exceeded", settings)).toEqual(["long"]);
    // Configured, but not for this group: no fallback (LiteLLM's behaviour).
    expect(fallbackGroups("other", "context_window_exceeded", settings)).toEqual([]);
  });

  it("sends content-policy errors through the general chain when their list is not configured", () => {
    expect(fallbackGroups("gpt", "content_policy_violation", settings)).toEqual(["small", "tiny", "default"]);
  });

  it("lets a request's own fallbacks replace the general chain, but not the context-window list", () => {
    expect(fallbackGroups("gpt", "upstream_server_error", settings, ["mine", "gpt", "mine"])).toEqual(["mine"]);
    expect(fallbackGroups("gpt", "context_window_exceeded", settings, ["mine"])).toEqual(["long"]);
    expect(fallbackGroups("gpt", "upstream_timeout", { ...settings, maxFallbacks: 1 }, ["a", "b"])).toEqual(["a"]);
  });

  it("stops at max_fallbacks, never falls back to the group itself, never for a client that left", () => {
    expect(fallbackGroups("gpt", "upstream_timeout", { ...settings, maxFallbacks: 1 })).toEqual(["small"]);
    expect(fallbackGroups("small", "upstream_timeout", { ...settings, general: new Map([["small", ["small", "tiny"]]]) })).toEqual(["tiny", "default"]);
    expect(fallbackGroups("gpt", "client_closed_request", settings)).toEqual([]);
  });
});

describe("health state", () => {
  const thresholds = { unhealthy: 3, healthy: 2 };
  const down = { healthy: false, latencyMs: 1, error: "ECONNREFUSED" };
  const up = { healthy: true, latencyMs: 1, error: undefined };

  it("takes a deployment out after N failures in a row and back after M successes", () => {
    let record = INITIAL_HEALTH;
    record = nextHealth(record, down, thresholds, 1);
    record = nextHealth(record, down, thresholds, 2);
    expect(record.healthy).toBe(true);
    record = nextHealth(record, down, thresholds, 3);
    expect(record).toMatchObject({ healthy: false, consecutiveFailures: 3 });
    record = nextHealth(record, up, thresholds, 4);
    expect(record.healthy).toBe(false);
    record = nextHealth(record, up, thresholds, 5);
    expect(record).toMatchObject({ healthy: true, consecutiveSuccesses: 2, checkedAt: 5 });
  });

  it("restarts the count when a streak breaks", () => {
    let record = INITIAL_HEALTH;
    for (const probe of [down, down, up, down, down]) record = nextHealth(record, probe, thresholds, 0);
    expect(record.healthy).toBe(true);
  });
});
