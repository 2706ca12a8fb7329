import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import { healthCheckSettings } from "./health-checks.ts";
import { resolveRoutingPolicy, unknownFallbackTargets } from "./routing-policy.ts";

const THREE_OLLAMAS = `
model_list:
  - { model_name: ollama/llama3.2, litellm_params: { api_base: "http://192.168.1.2:11434" } }
  - { model_name: ollama/llama3.2, litellm_params: { api_base: "http://192.168.1.11:11434", weight: 2 } }
  - { model_name: ollama/mistral, litellm_params: { api_base: "http://192.168.1.20:11434" } }
`;

describe("routing policy from config", () => {
  it("applies LiteLLM's defaults", () => {
    const policy = resolveRoutingPolicy(parseConfigText(THREE_OLLAMAS, "test", {}).config);
    expect(policy.strategy).toBe("simple-shuffle");
    expect(policy.retry).toEqual({ numRetries: 2, retryPolicy: {}, minDelayMs: 0 });
    expect(policy.cooldown).toEqual({ disabled: false, allowedFails: 3, allowedFailsPolicy: {}, cooldownSeconds: 5, explicit: false });
    expect(policy.fallbacks.maxFallbacks).toBe(5);
  });

  it("reads the seeds' blocks: strategy, fallbacks, retries, health checks", () => {
    const loaded = parseConfigText(
      `${THREE_OLLAMAS}
load_balancing_config: { strategy: least_busy, enable_fallback: true, health_check_enabled: true, health_check_interval: 30 }
fallback_models:
  ollama/llama3.2: [{ model_name: ollama/mistral, provider: ollama }]
advanced: { retry_on_timeout: false, max_retries: 1, retry_delay: 0.5 }
health_check: { endpoint: /api/tags, expected_response_field: models, unhealthy_threshold: 3, healthy_threshold: 2 }
`,
      "seed",
      {},
    );
    const policy = resolveRoutingPolicy(loaded.config);
    expect(policy.strategy).toBe("least-busy");
    expect(policy.fallbacks.general.get("ollama/llama3.2")).toEqual(["ollama/mistral"]);
    expect(policy.retry).toEqual({ numRetries: 1, retryPolicy: { TimeoutError: 0 }, minDelayMs: 500 });
    const health = healthCheckSettings(loaded.config);
    expect(health).toMatchObject({ enabled: true, intervalMs: 30_000, thresholds: { unhealthy: 3, healthy: 2 }, probe: { endpoint: "/api/tags", expectedField: "models" } });
  });

  it("reads router_settings as seed 002 writes them; router_settings wins over litellm_settings", () => {
    const loaded = parseConfigText(
      `${THREE_OLLAMAS}
router_settings:
  routing_strategy: latency-based-routing
  routing_strategy_args: { lowest_latency_buffer: 0.3, ttl: 60 }
  allowed_fails: 5
  cooldown_time: 60
  retry_policy: { AuthenticationErrorRetries: 0, TimeoutErrorRetries: 3, RateLimitErrorRetries: 5, ContentPolicyViolationErrorRetries: 0, InternalServerErrorRetries: 3 }
  allowed_fails_policy: { BadRequestErrorAllowedFails: 1000, RateLimitErrorAllowedFails: 10000, InternalServerErrorAllowedFails: 20 }
  default_fallbacks: [ollama/mistral]
  max_fallbacks: 2
litellm_settings: { num_retries: 4, default_fallbacks: [ollama/llama3.2] }
`,
      "seed 002",
      {},
    );
    const policy = resolveRoutingPolicy(loaded.config);
    expect(policy).toMatchObject({ strategy: "latency-based-routing", latencyBuffer: 0.3, latencyTtlMs: 60_000 });
    expect(policy.retry.numRetries).toBe(4);
    expect(policy.retry.retryPolicy).toEqual({ AuthenticationError: 0, TimeoutError: 3, RateLimitError: 5, ContentPolicyViolationError: 0, InternalServerError: 3 });
    expect(policy.cooldown).toEqual({ disabled: false, allowedFails: 5, cooldownSeconds: 60, explicit: true, allowedFailsPolicy: { BadRequestError: 1000, RateLimitError: 10000, InternalServerError: 20 } });
    expect(policy.fallbacks.defaults).toEqual(["ollama/mistral"]);
    expect(policy.fallbacks.maxFallbacks).toBe(2);
  });

  it("warns that BadRequestErrorRetries is never applied", () => {
    const loaded = parseConfigText(`${THREE_OLLAMAS}router_settings: { retry_policy: { BadRequestErrorRetries: 2 } }\n`, "test", {});
    expect(loaded.warnings.some((warning) => warning.includes("BadRequestErrorRetries"))).toBe(true);
  });

  it("names litellm_settings fallback targets that are not model groups", () => {
    const loaded = parseConfigText(`${THREE_OLLAMAS}litellm_settings: { fallbacks: [{ "ollama/llama3.2": [nope] }], default_fallbacks: [gone] }\n`, "test", {});
    expect(unknownFallbackTargets(loaded.config)).toEqual([
      'litellm_settings.fallbacks[0].ollama/llama3.2: fallback "nope" is not a model group in model_list',
      'litellm_settings.default_fallbacks[0]: "gone" is not a model group in model_list',
    ]);
  });
});
