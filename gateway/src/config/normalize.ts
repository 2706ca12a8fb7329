/**
 * Turns a parsed config into the one form the rest of Pharos reads: LiteLLM's own sections.
 * The seeds' blocks (`load_balancing_config`, `fallback_models`, `cache`, `advanced`,
 * `proxy_server`, `cost_tracking`) are translated here, once, with a warning each, so no other
 * module has to know they exist. Explicit LiteLLM settings always win over seed blocks.
 */
import { normalizeGuardrails } from "../guardrails/config.ts";
import { aliasProblems } from "../router/group-aliases.ts";
import { MAX_REDIS_CONNECTIONS } from "../stores/redis.ts";
import type { RawConfig, RouterSettings } from "./schema.ts";

export interface NormalizeResult {
  readonly config: RawConfig;
  readonly warnings: string[];
  readonly problems: string[];
}

const SEED_STRATEGIES: Record<string, NonNullable<RouterSettings["routing_strategy"]>> = {
  round_robin: "round_robin",
  least_busy: "least-busy",
  weighted: "weighted",
  simple_shuffle: "simple-shuffle",
  latency_based: "latency-based-routing",
  usage_based: "usage-based-routing",
};

/** Provider prefixes a model group name may carry (`ollama/llama3.2`) when litellm_params.model is absent. */
const INFERABLE_PREFIX = /^[a-z_]+\//;

export function normalizeConfig(input: RawConfig, env: NodeJS.ProcessEnv): NormalizeResult {
  const warnings: string[] = [];
  const problems: string[] = [];
  const config: RawConfig = structuredClone(input);
  const router = config.router_settings;
  const litellm = config.litellm_settings;
  const general = config.general_settings;

  const defaults = router.default_litellm_params;
  config.model_list.forEach((entry, index) => {
    const params = entry.litellm_params;
    if (defaults !== undefined) for (const [name, value] of Object.entries(defaults)) (params as Record<string, unknown>)[name] ??= value;
    // custom_llm_provider names the provider of an unprefixed model (LiteLLM): `llama3.2` + `ollama_chat`.
    const custom = params.custom_llm_provider;
    if (custom !== undefined) {
      const bare = params.model ?? entry.model_name;
      params.model = bare.startsWith(`${custom}/`) ? bare : `${custom}/${bare}`;
    }
    if (params.model === undefined) {
      if (INFERABLE_PREFIX.test(entry.model_name)) {
        params.model = entry.model_name;
        warnings.push(`model_list[${index}].litellm_params.model: not set, using the model group name "${entry.model_name}"`);
      } else {
        problems.push(`model_list[${index}].litellm_params.model: required (a provider-prefixed model such as "ollama_chat/llama3.2")`);
      }
    }
  });

  const lb = config.load_balancing_config;
  if (lb !== undefined) {
    if (lb.strategy !== undefined && router.routing_strategy === undefined) router.routing_strategy = SEED_STRATEGIES[lb.strategy];
    if (lb.health_check_enabled !== undefined) general.background_health_checks ??= lb.health_check_enabled;
    if (lb.health_check_interval !== undefined) general.health_check_interval ??= lb.health_check_interval;
    warnings.push("load_balancing_config: translated to router_settings.routing_strategy and general_settings health checks");
  }

  const seedFallbacks = config.fallback_models;
  if (seedFallbacks !== undefined && router.fallbacks === undefined) {
    router.fallbacks = Object.entries(seedFallbacks).map(([group, targets]) => ({ [group]: targets.map((target) => target.model_name) }));
    warnings.push("fallback_models: translated to router_settings.fallbacks");
  }
  if (config.load_balancing_config?.enable_fallback === false) router.fallbacks = [];

  if (router.cache_responses === true && litellm.cache === undefined) {
    litellm.cache = true;
    warnings.push("router_settings.cache_responses: translated to litellm_settings.cache: true");
  }

  const seedCache = config.cache;
  if (seedCache !== undefined) {
    litellm.cache ??= true;
    if (litellm.cache_params === undefined) {
      const type = seedCache.type === "redis" ? "redis" : "local";
      litellm.cache_params = {
        type,
        ...(seedCache.redis_host !== undefined ? { host: seedCache.redis_host } : {}),
        ...(seedCache.redis_port !== undefined ? { port: seedCache.redis_port } : {}),
        ...(seedCache.redis_password !== undefined ? { password: seedCache.redis_password } : {}),
        ...(seedCache.ttl !== undefined ? { ttl: seedCache.ttl } : {}),
      };
    }
    warnings.push("cache: translated to litellm_settings.cache and cache_params");
  }

  const advanced = config.advanced;
  if (advanced !== undefined) {
    if (advanced.max_retries !== undefined) router.num_retries ??= advanced.max_retries;
    if (advanced.retry_delay !== undefined) router.retry_after ??= advanced.retry_delay;
    if (advanced.retry_on_timeout === false) router.retry_policy = { ...router.retry_policy, TimeoutErrorRetries: router.retry_policy?.TimeoutErrorRetries ?? 0 };
  }

  const cost = config.cost_tracking;
  if (cost !== undefined && cost.enabled !== false) {
    for (const entry of config.model_list) {
      const params = entry.litellm_params;
      if (cost.cost_per_1k_input_tokens !== undefined) params.input_cost_per_token ??= cost.cost_per_1k_input_tokens / 1000;
      if (cost.cost_per_1k_output_tokens !== undefined) params.output_cost_per_token ??= cost.cost_per_1k_output_tokens / 1000;
    }
    warnings.push("cost_tracking: translated to per-deployment input/output_cost_per_token");
  }

  if (config.proxy_server !== undefined) warnings.push("proxy_server: num_workers is used as the default for --num-workers");

  general.master_key ??= env["LITELLM_MASTER_KEY"] || undefined;
  general.database_url ??= env["DATABASE_URL"] || undefined;

  if ((router.retry_policy?.BadRequestErrorRetries ?? 0) > 0) {
    warnings.push("router_settings.retry_policy.BadRequestErrorRetries: a client's bad request (400, 422, context window) is never retried; fallbacks still apply");
  }
  const redisConnections = router.redis_connection_pool_limit;
  if (redisConnections !== undefined && redisConnections > MAX_REDIS_CONNECTIONS) {
    warnings.push(`router_settings.redis_connection_pool_limit: ${redisConnections} → ${MAX_REDIS_CONNECTIONS} connections per process; Pharos pipelines Redis commands, so more connections would only add sockets`);
  }
  if (config.router_settings.enable_tag_filtering !== true && config.model_list.some((entry) => (entry.litellm_params.tags?.length ?? 0) > 0)) {
    warnings.push("model_list[].litellm_params.tags: ignored for routing until router_settings.enable_tag_filtering is true");
  }
  checkFallbackTargets(config, problems);
  problems.push(...aliasProblems(config));
  normalizeGuardrails(config, warnings, problems);
  return { config, warnings, problems };
}

function checkFallbackTargets(config: RawConfig, problems: string[]): void {
  const groups = new Set(config.model_list.map((entry) => entry.model_name));
  const lists = ["fallbacks", "context_window_fallbacks", "content_policy_fallbacks"] as const;
  for (const name of lists) {
    config.router_settings[name]?.forEach((mapping, index) => {
      for (const [group, targets] of Object.entries(mapping)) {
        for (const target of targets) {
          if (!groups.has(target)) {
            problems.push(`router_settings.${name}[${index}].${group}: fallback "${target}" is not a model group in model_list`);
          }
        }
      }
    });
  }
  config.router_settings.default_fallbacks?.forEach((target, index) => {
    if (!groups.has(target)) problems.push(`router_settings.default_fallbacks[${index}]: "${target}" is not a model group in model_list`);
  });
}
