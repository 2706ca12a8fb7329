/**
 * router_settings (and the litellm_settings keys LiteLLM also accepts for the router) resolved
 * once at boot into the values the router reads: defaults applied, lists turned into maps.
 * router_settings wins over litellm_settings.
 */
import type { ErrorClass, RawConfig } from "../config/schema.ts";
import { DEFAULT_ALLOWED_FAILS, DEFAULT_COOLDOWN_SECONDS } from "./cooldown-policy.ts";
import type { CooldownSettings } from "./cooldown-policy.ts";
import { DEFAULT_MAX_FALLBACKS } from "./fallback-plan.ts";
import { groupAliasesOf } from "./group-aliases.ts";
import type { GroupAliases } from "./group-aliases.ts";
import type { FallbackSettings } from "./fallback-plan.ts";
import type { RetrySettings } from "./retry-policy.ts";
import type { StrategyName } from "./strategies/registry.ts";

export interface RoutingPolicy {
  readonly strategy: StrategyName;
  readonly latencyBuffer: number;
  /** How long a latency measurement counts, in milliseconds. */
  readonly latencyTtlMs: number;
  readonly retry: RetrySettings;
  readonly cooldown: CooldownSettings;
  readonly fallbacks: FallbackSettings;
  /** router_settings.enable_pre_call_checks: leave out deployments whose max_input_tokens the prompt exceeds. */
  readonly preCallChecks: boolean;
  /** router_settings.model_group_alias */
  readonly aliases: GroupAliases;
  /** router_settings.enable_tag_filtering */
  readonly tagFiltering: boolean;
}

/** LiteLLM's Router default (openai.DEFAULT_MAX_RETRIES). */
export const DEFAULT_NUM_RETRIES = 2;
export const DEFAULT_LATENCY_TTL_SECONDS = 3600;

type FallbackList = ReadonlyArray<Readonly<Record<string, readonly string[]>>>;

function toMap(list: FallbackList | undefined): Map<string, readonly string[]> | undefined {
  if (list === undefined) return undefined;
  const map = new Map<string, readonly string[]>();
  for (const entry of list) {
    for (const [group, targets] of Object.entries(entry)) map.set(group, [...(map.get(group) ?? []), ...targets]);
  }
  return map;
}

function policyMap(policy: Readonly<Record<string, number | undefined>> | undefined, suffix: string): Partial<Record<ErrorClass, number>> {
  const out: Partial<Record<ErrorClass, number>> = {};
  if (policy === undefined) return out;
  for (const [key, value] of Object.entries(policy)) {
    if (value !== undefined && key.endsWith(suffix)) out[key.slice(0, -suffix.length) as ErrorClass] = value;
  }
  return out;
}

export function resolveRoutingPolicy(config: RawConfig): RoutingPolicy {
  const router = config.router_settings;
  const litellm = config.litellm_settings;
  const args = router.routing_strategy_args;
  return {
    strategy: router.routing_strategy ?? "simple-shuffle",
    latencyBuffer: args?.lowest_latency_buffer ?? 0,
    latencyTtlMs: (args?.ttl ?? DEFAULT_LATENCY_TTL_SECONDS) * 1000,
    retry: {
      numRetries: router.num_retries ?? litellm.num_retries ?? DEFAULT_NUM_RETRIES,
      retryPolicy: policyMap(router.retry_policy, "Retries"),
      minDelayMs: (router.retry_after ?? 0) * 1000,
    },
    cooldown: {
      disabled: router.disable_cooldowns === true,
      allowedFails: router.allowed_fails ?? DEFAULT_ALLOWED_FAILS,
      allowedFailsPolicy: policyMap(router.allowed_fails_policy, "AllowedFails"),
      cooldownSeconds: router.cooldown_time ?? DEFAULT_COOLDOWN_SECONDS,
      explicit: router.allowed_fails !== undefined || router.allowed_fails_policy !== undefined,
    },
    fallbacks: {
      general: toMap(router.fallbacks ?? litellm.fallbacks) ?? new Map(),
      contextWindow: toMap(router.context_window_fallbacks ?? litellm.context_window_fallbacks),
      contentPolicy: toMap(router.content_policy_fallbacks),
      defaults: router.default_fallbacks ?? litellm.default_fallbacks ?? [],
      maxFallbacks: router.max_fallbacks ?? DEFAULT_MAX_FALLBACKS,
    },
    preCallChecks: router.enable_pre_call_checks === true,
    aliases: groupAliasesOf(config),
    tagFiltering: router.enable_tag_filtering === true,
  };
}

/** Fallback targets that are not model groups (litellm_settings lists; normalize checks router_settings). */
export function unknownFallbackTargets(config: RawConfig): string[] {
  const groups = new Set(config.model_list.map((entry) => entry.model_name));
  const problems: string[] = [];
  const litellm = config.litellm_settings;
  for (const name of ["fallbacks", "context_window_fallbacks"] as const) {
    litellm[name]?.forEach((mapping, index) => {
      for (const [group, targets] of Object.entries(mapping)) {
        for (const target of targets) if (!groups.has(target)) problems.push(`litellm_settings.${name}[${index}].${group}: fallback "${target}" is not a model group in model_list`);
      }
    });
  }
  litellm.default_fallbacks?.forEach((target, index) => {
    if (!groups.has(target)) problems.push(`litellm_settings.default_fallbacks[${index}]: "${target}" is not a model group in model_list`);
  });
  return problems;
}
