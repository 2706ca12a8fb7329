/**
 * The one strict schema for LiteLLM's `config.yaml`, as Pharos reads it.
 *
 * Rules:
 * - Every key LiteLLM users write is declared here. Unknown keys are errors naming their path.
 * - Keys LiteLLM has but Pharos does not implement yet are listed in NOT_YET_IMPLEMENTED: they
 *   are accepted and produce one warning each at boot (see load.ts).
 * - The seeds' own blocks (`load_balancing_config`, `health_check`, `llm_guard`, …) are declared
 *   in SEED_BLOCKS and translated into LiteLLM settings by normalize.ts.
 * - Values may come from `os.environ/NAME` (resolved before parsing), so numbers and booleans
 *   also accept their string forms.
 */
import { z } from "zod";
import { INPUT_SCANNER_NAMES, KIND_ALIASES, LANGUAGES, LITELLM_HOSTED_GUARDRAILS, OUTPUT_SCANNER_NAMES, SCANNER_KINDS } from "../guardrails/kinds.ts";
import type { ScannerKind } from "../guardrails/kinds.ts";

// ---------------------------------------------------------------------------------------------
// Scalars that also accept the string form an environment variable gives them.

const numericString = /^-?\d+(\.\d+)?$/;

export const num = z.union([
  z.number(),
  z
    .string()
    .regex(numericString, { error: "expected a number" })
    .transform((value) => Number(value)),
], { error: "expected a number" });

export const nonNegative = num.pipe(z.number().min(0, { error: "expected a number >= 0" }));
export const positive = num.pipe(z.number().positive({ error: "expected a number > 0" }));
export const nonNegativeInt = num.pipe(z.number().int({ error: "expected an integer" }).min(0, { error: "expected an integer >= 0" }));
export const positiveInt = num.pipe(z.number().int({ error: "expected an integer" }).min(1, { error: "expected an integer >= 1" }));
/** A TCP port to connect to or listen on. */
export const portNumber = num.pipe(z.number().int({ error: "expected a port number 1–65535" }).min(1, { error: "expected a port number 1–65535" }).max(65535, { error: "expected a port number 1–65535" }));

export const bool = z.union([
  z.boolean(),
  z.enum(["true", "false", "True", "False", "1", "0"]).transform((value) => value === "true" || value === "True" || value === "1"),
], { error: "expected true or false" });

const url = z.url({ protocol: /^https?$/, error: "expected a URL" });

/** A duration written as LiteLLM writes them: "30s", "10m", "24h", "7d", "1mo" or seconds. */
export const durationString = z.union([
  z.number().positive(),
  z.string().regex(/^\d+(\.\d+)?\s*(s|m|h|d|w|mo)?$/, { error: 'expected a duration such as "30s", "10m", "24h", "7d" or "1mo"' }),
], { error: 'expected a duration such as "30s", "10m", "24h", "7d" or "1mo"' });

const stringList = z.array(z.string());

/** A LiteLLM setting Pharos accepts without acting on it (its reason is in NOT_YET_IMPLEMENTED). */
const acceptedOnly = z.unknown().optional();

/** `[{"group": ["fallback-1", "fallback-2"]}]`, LiteLLM's fallback list form. */
const fallbackList = z.array(z.record(z.string(), z.array(z.string())));

// ---------------------------------------------------------------------------------------------
// model_list

/** The unit of the `*_size_mb` settings (LiteLLM's MB are MiB). */
export const MEGABYTE = 1024 * 1024;

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const litellmParamsSchema = z.strictObject({
  /** Provider-prefixed model, e.g. `ollama_chat/llama3.2`. Inferred from model_name when absent. */
  model: z.string().min(1).optional(),
  api_base: url.optional(),
  api_key: z.string().optional(),
  rpm: positiveInt.optional(),
  tpm: positiveInt.optional(),
  weight: positive.optional(),
  /** Seconds; total time for a non-streaming call. */
  timeout: positive.optional(),
  /** Seconds; for streaming calls: wait for the first byte and between chunks. */
  stream_timeout: positive.optional(),
  allowed_fails: nonNegativeInt.optional(),
  cooldown_time: nonNegative.optional(),
  input_cost_per_token: nonNegative.optional(),
  output_cost_per_token: nonNegative.optional(),
  max_retries: nonNegativeInt.optional(),
  /** Sent as `OpenAI-Organization`. */
  organization: z.string().min(1).optional(),
  /** Headers added to every upstream request of this deployment. */
  extra_headers: z
    .record(z.string(), z.string())
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", message: "expected an HTTP header name", path: [name] });
    })
    .optional(),
  // Request defaults (DEPLOYMENT_REQUEST_DEFAULTS): used when the request does not set them.
  temperature: nonNegative.optional(),
  top_p: nonNegative.optional(),
  max_tokens: positiveInt.optional(),
  max_completion_tokens: positiveInt.optional(),
  presence_penalty: num.optional(),
  frequency_penalty: num.optional(),
  seed: num.pipe(z.number().int({ error: "expected an integer" })).optional(),
  stop: z.union([z.string(), stringList]).optional(),
  /** Ollama only: how long the model stays loaded after a request ("5m", seconds, -1 = always). */
  keep_alive: z.union([z.string().min(1), num]).optional(),
  /** Tags for tag-based routing (router_settings.enable_tag_filtering). */
  tags: stringList.optional(),
  /** Answer every call with this text, in-process, without calling the upstream (tests, demos, load tests). */
  mock_response: z.string().optional(),
  /** The provider of an unprefixed `model` (`ollama_chat` + `llama3.2` = `ollama_chat/llama3.2`). */
  custom_llm_provider: z.string().min(1).optional(),
  /** Fields this deployment's provider cannot send are dropped instead of refused (400); overrides litellm_settings.drop_params. */
  drop_params: bool.optional(),
  /** Top-level request fields never sent to this deployment, even ones its provider takes. */
  additional_drop_params: stringList.optional(),
  // Not implemented yet (warned at boot):
  allowed_openai_params: acceptedOnly,
  api_version: z.string().optional(),
  region_name: z.string().optional(),
  max_parallel_requests: acceptedOnly,
  num_retries: acceptedOnly,
  input_cost_per_second: acceptedOnly,
  output_cost_per_second: acceptedOnly,
  max_budget: acceptedOnly,
  budget_duration: acceptedOnly,
  use_in_pass_through: acceptedOnly,
  merge_reasoning_content_in_choices: acceptedOnly,
});

/** litellm_params a deployment passes to its upstream as defaults of chat and completion requests. */
export const DEPLOYMENT_REQUEST_DEFAULTS = ["temperature", "top_p", "max_tokens", "max_completion_tokens", "presence_penalty", "frequency_penalty", "seed", "stop"] as const;

export const modelModes = ["chat", "completion", "embedding", "image_generation", "audio_transcription", "rerank"] as const;

/** LiteLLM treats model_info as free-form metadata: known keys are typed, others are kept (with a warning each: model-info-keys.ts). */
export const modelInfoSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).transform(String).optional(),
  mode: z.enum(modelModes).optional(),
  input_cost_per_token: nonNegative.optional(),
  output_cost_per_token: nonNegative.optional(),
  max_input_tokens: positiveInt.optional(),
  max_output_tokens: positiveInt.optional(),
  max_tokens: positiveInt.optional(),
  base_model: z.string().optional(),
  description: z.string().optional(),
});

export const modelEntrySchema = z.strictObject({
  model_name: z.string().min(1, { error: "expected a non-empty model group name" }),
  litellm_params: litellmParamsSchema.default({}),
  model_info: modelInfoSchema.optional(),
});

// ---------------------------------------------------------------------------------------------
// router_settings

export const routingStrategies = [
  "simple-shuffle",
  "least-busy",
  "usage-based-routing",
  "usage-based-routing-v2",
  "latency-based-routing",
  "cost-based-routing",
  "round_robin",
  "round-robin",
  "weighted",
] as const;

export const errorClasses = [
  "BadRequestError",
  "AuthenticationError",
  "TimeoutError",
  "RateLimitError",
  "ContentPolicyViolationError",
  "InternalServerError",
] as const;
export type ErrorClass = (typeof errorClasses)[number];

const retryPolicySchema = z.strictObject(
  Object.fromEntries(errorClasses.map((name) => [`${name}Retries`, nonNegativeInt.optional()])) as Record<
    `${ErrorClass}Retries`,
    z.ZodOptional<typeof nonNegativeInt>
  >,
);

const allowedFailsPolicySchema = z.strictObject(
  Object.fromEntries(errorClasses.map((name) => [`${name}AllowedFails`, nonNegativeInt.optional()])) as Record<
    `${ErrorClass}AllowedFails`,
    z.ZodOptional<typeof nonNegativeInt>
  >,
);

export const routerSettingsSchema = z.strictObject({
  routing_strategy: z.enum(routingStrategies).optional(),
  routing_strategy_args: z
    .strictObject({
      /** latency-based-routing: pick randomly among deployments within this fraction of the fastest. */
      lowest_latency_buffer: nonNegative.optional(),
      /** Seconds of latency history kept per deployment. */
      ttl: positive.optional(),
    })
    .optional(),
  num_retries: nonNegativeInt.optional(),
  /** Seconds; default timeout for every deployment without its own. */
  timeout: positive.optional(),
  stream_timeout: positive.optional(),
  retry_after: nonNegative.optional(),
  allowed_fails: nonNegativeInt.optional(),
  cooldown_time: nonNegative.optional(),
  disable_cooldowns: bool.optional(),
  retry_policy: retryPolicySchema.optional(),
  allowed_fails_policy: allowedFailsPolicySchema.optional(),
  fallbacks: fallbackList.optional(),
  context_window_fallbacks: fallbackList.optional(),
  content_policy_fallbacks: fallbackList.optional(),
  default_fallbacks: stringList.optional(),
  max_fallbacks: nonNegativeInt.optional(),
  enable_pre_call_checks: bool.optional(),
  /** Route by request tags to deployments with matching `litellm_params.tags` (router/tag-filter.ts). */
  enable_tag_filtering: bool.optional(),
  redis_host: z.string().min(1).optional(),
  redis_port: portNumber.optional(),
  redis_password: z.string().optional(),
  redis_url: z.string().optional(),
  redis_connection_pool_limit: positiveInt.optional(),
  /** Seconds. */
  redis_connection_pool_timeout: positive.optional(),
  /** Other names for model groups: `{alias: group}` or `{alias: {model: group, hidden: true}}` (hidden: not in /v1/models). */
  model_group_alias: z.record(z.string().min(1), z.union([z.string().min(1), z.strictObject({ model: z.string().min(1), hidden: bool.optional() })])).optional(),
  /** LiteLLM's router-level cache switch: turns on litellm_settings.cache when that is not set. */
  cache_responses: bool.optional(),
  /** litellm_params every deployment gets unless it sets them itself (not `model`). */
  default_litellm_params: litellmParamsSchema.omit({ model: true }).optional(),
  // Not implemented yet (warned at boot):
  provider_budget_config: z.record(z.string(), z.unknown()).optional(),
  default_max_parallel_requests: acceptedOnly,
  default_priority: acceptedOnly,
  polling_interval: acceptedOnly,
  caching_groups: acceptedOnly,
  alerting_config: acceptedOnly,
  assistants_config: acceptedOnly,
  set_verbose: acceptedOnly,
  model_group_retry_policy: acceptedOnly,
  optional_pre_call_checks: acceptedOnly,
  ignore_invalid_deployments: acceptedOnly,
});

// ---------------------------------------------------------------------------------------------
// litellm_settings

export const cacheCallTypes = [
  "completion",
  "acompletion",
  "text_completion",
  "atext_completion",
  "embedding",
  "aembedding",
] as const;

export const cacheParamsSchema = z.strictObject({
  type: z.enum(["local", "redis"]).optional(),
  host: z.string().min(1).optional(),
  port: portNumber.optional(),
  password: z.string().optional(),
  namespace: z.string().optional(),
  /** Seconds. */
  ttl: positive.optional(),
  mode: z.enum(["default_on", "default_off"]).optional(),
  supported_call_types: z.array(z.enum(cacheCallTypes)).optional(),
  // Not implemented yet (warned at boot):
  redis_startup_nodes: z.array(z.unknown()).optional(),
  similarity_threshold: nonNegative.optional(),
});

const callbackList = z.union([z.array(z.string()), z.string().transform((value) => [value])]);


export const litellmSettingsSchema = z.strictObject({
  cache: bool.optional(),
  cache_params: cacheParamsSchema.optional(),
  /** Seconds; default timeout for every upstream call. */
  request_timeout: positive.optional(),
  json_logs: bool.optional(),
  set_verbose: bool.optional(),
  callbacks: callbackList.optional(),
  success_callback: callbackList.optional(),
  failure_callback: callbackList.optional(),
  service_callbacks: callbackList.optional(),
  num_retries: nonNegativeInt.optional(),
  fallbacks: fallbackList.optional(),
  context_window_fallbacks: fallbackList.optional(),
  default_fallbacks: stringList.optional(),
  /** Request fields a deployment's provider cannot send are dropped (logged at debug, counted) instead of refused with a 400. */
  drop_params: bool.optional(),
  // Not implemented yet (warned at boot):
  turn_off_message_logging: bool.optional(),
  redact_user_api_key_info: bool.optional(),
  max_budget: nonNegative.optional(),
  budget_duration: durationString.optional(),
  guardrails: z.array(z.unknown()).optional(),
  service_callback: acceptedOnly,
  callback_settings: acceptedOnly,
  telemetry: acceptedOnly,
  modify_params: acceptedOnly,
  enable_preview_features: acceptedOnly,
  return_response_headers: acceptedOnly,
  default_team_settings: acceptedOnly,
  langfuse_default_tags: acceptedOnly,
  force_ipv4: acceptedOnly,
  ssl_verify: acceptedOnly,
  disable_end_user_cost_tracking: acceptedOnly,
  disable_end_user_cost_tracking_prometheus_only: acceptedOnly,
  key_generation_settings: acceptedOnly,
  default_key_generate_params: acceptedOnly,
  upperbound_key_generate_params: acceptedOnly,
  max_internal_user_budget: acceptedOnly,
  internal_user_budget_duration: acceptedOnly,
  max_end_user_budget: acceptedOnly,
  disable_hf_tokenizer_download: acceptedOnly,
  enable_json_schema_validation: acceptedOnly,
  disable_add_transform_inline_image_block: acceptedOnly,
  disable_copilot_system_to_assistant: acceptedOnly,
});

// ---------------------------------------------------------------------------------------------
// general_settings

export const alertTypes = [
  "llm_exceptions",
  "llm_too_slow",
  "llm_requests_hanging",
  "budget_alerts",
  "db_exceptions",
  "daily_reports",
  "cooldown_deployment",
  "outage_alerts",
  "region_outage_alerts",
  "new_model_added",
  "spend_reports",
] as const;

/** LiteLLM's general_settings.alerting_args (seconds and counts; see gateway/src/alerting/settings.ts). */
export const alertingArgsSchema = z.strictObject({
  daily_report_frequency: positive.optional(),
  report_check_interval: positive.optional(),
  budget_alert_ttl: positive.optional(),
  outage_alert_ttl: positive.optional(),
  region_outage_alert_ttl: positive.optional(),
  minor_outage_alert_threshold: positiveInt.optional(),
  major_outage_alert_threshold: positiveInt.optional(),
  max_outage_alert_list_size: positiveInt.optional(),
  log_to_console: bool.optional(),
});

export const generalSettingsSchema = z.strictObject({
  master_key: z.string().min(1).optional(),
  database_url: z.string().min(1).optional(),
  database_connection_pool_limit: positiveInt.optional(),
  /** Seconds. */
  database_connection_timeout: positive.optional(),
  /** Seconds between batched spend writes. */
  proxy_batch_write_at: positive.optional(),
  alerting: z.array(z.enum(["slack", "webhook", "email"])).optional(),
  /** Seconds (LiteLLM's meaning): a response slower than this is `llm_too_slow`. */
  alerting_threshold: positive.optional(),
  alert_types: z.array(z.enum(alertTypes)).optional(),
  alert_to_webhook_url: z.partialRecord(z.enum(alertTypes), z.union([z.string(), z.array(z.string())])).optional(),
  alerting_args: alertingArgsSchema.optional(),
  disable_error_logs: bool.optional(),
  disable_spend_logs: bool.optional(),
  background_health_checks: bool.optional(),
  /** Seconds. */
  health_check_interval: positive.optional(),
  health_check_details: bool.optional(),
  allow_requests_on_db_unavailable: bool.optional(),
  max_parallel_requests: positiveInt.optional(),
  global_max_parallel_requests: positiveInt.optional(),
  max_request_size_mb: positive.optional(),
  maximum_spend_logs_retention_period: durationString.optional(),
  maximum_spend_logs_retention_interval: durationString.optional(),
  store_model_in_db: bool.optional(),
  enable_metrics: bool.optional(),
  /** Every chat, completion and embedding request must name its end user in `user` (400 otherwise). */
  enforce_user_param: bool.optional(),
  /** Seconds a key lookup is trusted (PHAROS_KEY_CACHE_TTL_SECONDS wins; default 10). */
  user_api_key_cache_ttl: positive.optional(),
  /** A JSON answer larger than this is refused (502 upstream_response_too_large); streams are not limited. */
  max_response_size_mb: positive.optional(),
  // Not implemented yet (warned at boot):
  proxy_budget_rescheduler_min_time: positive.optional(),
  proxy_budget_rescheduler_max_time: positive.optional(),
  disable_master_key_return: bool.optional(),
  allowed_routes: stringList.optional(),
  ui_access_mode: z.string().optional(),
  infer_model_from_keys: acceptedOnly,
  forward_openai_org_id: acceptedOnly,
  forward_client_headers_to_llm_api: acceptedOnly,
  pass_through_endpoints: acceptedOnly,
  use_client_credentials_pass_through_routes: acceptedOnly,
  custom_auth: acceptedOnly,
  custom_key_generate: acceptedOnly,
  custom_sso: acceptedOnly,
  public_routes: acceptedOnly,
  admin_only_routes: acceptedOnly,
  enable_jwt_auth: acceptedOnly,
  litellm_jwtauth: acceptedOnly,
  enable_oauth2_auth: acceptedOnly,
  oauth2_config_mappings: acceptedOnly,
  allow_user_auth: acceptedOnly,
  allowed_ips: acceptedOnly,
  use_x_forwarded_for: acceptedOnly,
  litellm_key_header_name: acceptedOnly,
  allow_client_side_credentials: acceptedOnly,
  completion_model: acceptedOnly,
  embedding_model: acceptedOnly,
  image_generation_model: acceptedOnly,
  moderation_model: acceptedOnly,
  disable_spend_updates: acceptedOnly,
  disable_reset_budget: acceptedOnly,
  disable_adding_master_key_hash_to_db: acceptedOnly,
  disable_retry_on_max_parallel_request_limit_error: acceptedOnly,
  disable_prisma_schema_update: acceptedOnly,
  store_prompts_in_spend_logs: acceptedOnly,
  key_management_system: acceptedOnly,
  key_management_settings: acceptedOnly,
  use_azure_key_vault: acceptedOnly,
  use_google_kms: acceptedOnly,
  default_team_disabled: acceptedOnly,
  enforced_params: acceptedOnly,
  service_account_settings: acceptedOnly,
  spend_report_frequency: acceptedOnly,
  litellm_license: acceptedOnly,
});

// ---------------------------------------------------------------------------------------------
// guardrails (LiteLLM's top-level list; scanner options are documented in docs/guardrails.md)

const failMode = z.enum(["open", "closed"], { error: 'expected "open" or "closed"' });
const score = num.pipe(z.number().min(0, { error: "expected a number from 0 to 1" }).max(1, { error: "expected a number from 0 to 1" }));

/** Each scanner kind's own options (LLM Guard's parameter names), plus `fail_mode`. */
export const scannerOptionShapes = {
  ban_substrings: {
    substrings: z.array(z.string().min(1)).optional(),
    match_type: z.enum(["str", "word"]).optional(),
    case_sensitive: bool.optional(),
    contains_all: bool.optional(),
    redact: bool.optional(),
  },
  prompt_injection: { threshold: score.optional() },
  toxicity: { threshold: score.optional(), languages: z.array(z.enum(LANGUAGES)).min(1).optional() },
  secrets: { redact: bool.optional(), redact_mode: z.enum(["all", "partial", "hash"]).optional(), high_entropy: bool.optional() },
  token_limit: { limit: positiveInt.optional(), encoding_name: z.enum(["auto", "cl100k_base", "o200k_base", "p50k_base", "r50k_base"]).optional() },
  malicious_urls: {
    threshold: score.optional(),
    blocked_domains: z.array(z.string().min(1)).optional(),
    allowed_domains: z.array(z.string().min(1)).optional(),
  },
  no_refusal: { threshold: score.optional() },
  no_code: { threshold: score.optional() },
} as const satisfies Record<ScannerKind, z.ZodRawShape>;

const guardrailModes = ["pre_call", "post_call", "during_call", "logging_only"] as const;
const guardrailMode = z.enum(guardrailModes);

const aliasesOf = (kind: ScannerKind): [string, ...string[]] => Object.keys(KIND_ALIASES).filter((alias) => KIND_ALIASES[alias] === kind) as [string, ...string[]];

const guardrailParams = SCANNER_KINDS.map((kind) =>
  z.strictObject({
    guardrail: z.enum(aliasesOf(kind)),
    mode: z.union([guardrailMode, z.array(guardrailMode).min(1)], { error: `expected one of ${guardrailModes.join(", ")}, or a list of them` }).optional(),
    default_on: bool.optional(),
    fail_mode: failMode.optional(),
    ...scannerOptionShapes[kind],
  }),
) as unknown as readonly [GuardrailParamsSchema, ...GuardrailParamsSchema[]];

/** One scanner kind's litellm_params (the union below is the real, per-kind strict shape). */
type GuardrailParamsSchema = z.ZodObject<{
  guardrail: z.ZodEnum<Record<string, string>>;
  mode: z.ZodOptional<z.ZodUnion<[typeof guardrailMode, z.ZodArray<typeof guardrailMode>]>>;
  default_on: z.ZodOptional<typeof bool>;
  fail_mode: z.ZodOptional<typeof failMode>;
}>;

export const guardrailEntrySchema = z.strictObject({
  guardrail_name: z.string().min(1),
  litellm_params: z.discriminatedUnion("guardrail", guardrailParams, {
    error: (issue) =>
      issue.code === "invalid_union"
        ? `unknown guardrail: Pharos provides ${SCANNER_KINDS.join(", ")} (LLM Guard names such as BanSubstrings are accepted too); LiteLLM's hosted integrations (${LITELLM_HOSTED_GUARDRAILS.slice(0, 4).join(", ")}, …) are not supported`
        : undefined,
  }),
  guardrail_info: z.record(z.string(), z.unknown()).optional(),
});

/** An `llm_guard` scanner: a bare LLM Guard name, or a one-key mapping `{ Name: { options } }`. */
function llmGuardScanner(names: readonly string[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const name of names) {
    const kind = KIND_ALIASES[name]!;
    shape[name] = z.strictObject({ ...scannerOptionShapes[kind], fail_mode: failMode.optional() }).nullable().optional();
  }
  return z.union([
    z.enum(names as [string, ...string[]]),
    z.strictObject(shape).refine((value) => Object.keys(value).length === 1, { error: "expected exactly one scanner name per list item" }),
  ], {
    error: (issue) =>
      typeof issue.input === "string" && !names.includes(issue.input) && KIND_ALIASES[issue.input] !== undefined
        ? `${issue.input} does not scan this phase (it is not one of ${names.join(", ")})`
        : `expected a scanner name (${names.join(", ")}) or a one-key mapping { Name: { options } }`,
  });
}

const llmGuardPhase = (names: readonly string[]) => ({
  enabled: bool.optional(),
  scanners: z.array(llmGuardScanner(names)).optional(),
  /** Milliseconds for all scanners of the phase (per chunk on streams); then fail_mode applies. */
  deadline_ms: positive.optional(),
  /** The default for scanners without their own fail_mode. */
  fail_mode: failMode.optional(),
});

/** LLM Guard's block as the seed writes it; also the home of the phase settings for both forms. */
export const llmGuardSchema = z.strictObject({
  enabled: bool.optional(),
  input_scanning: z.strictObject(llmGuardPhase(INPUT_SCANNER_NAMES)).optional(),
  output_scanning: z
    .strictObject({
      ...llmGuardPhase(OUTPUT_SCANNER_NAMES),
      /** Characters of already-sent text kept in the sliding window streams are scanned over. */
      stream_window_chars: positiveInt.optional(),
    })
    .optional(),
  multilingual_errors: bool.optional(),
});

// ---------------------------------------------------------------------------------------------
// The seeds' own blocks (translated into LiteLLM settings by normalize.ts).

const seedStrategy = z.enum(["round_robin", "least_busy", "weighted", "simple_shuffle", "latency_based", "usage_based"]);

export const seedBlocksSchema = {
  load_balancing_config: z
    .strictObject({
      strategy: seedStrategy.optional(),
      enable_fallback: bool.optional(),
      health_check_enabled: bool.optional(),
      /** Seconds. */
      health_check_interval: positive.optional(),
    })
    .optional(),
  health_check: z
    .strictObject({
      endpoint: z.string().optional(),
      expected_response_field: z.string().optional(),
      unhealthy_threshold: positiveInt.optional(),
      healthy_threshold: positiveInt.optional(),
      /** Seconds. */
      health_check_timeout: positive.optional(),
    })
    .optional(),
  llm_guard: llmGuardSchema.optional(),
  cost_tracking: z
    .strictObject({
      enabled: bool.optional(),
      cost_per_1k_input_tokens: nonNegative.optional(),
      cost_per_1k_output_tokens: nonNegative.optional(),
    })
    .optional(),
  cache: z
    .strictObject({
      type: z.enum(["redis", "local", "memory"]).optional(),
      redis_host: z.string().optional(),
      redis_port: portNumber.optional(),
      redis_db: nonNegativeInt.optional(),
      redis_password: z.string().optional(),
      ttl: positive.optional(),
    })
    .optional(),
  fallback_models: z
    .record(z.string(), z.array(z.strictObject({ model_name: z.string(), provider: z.string().optional() })))
    .optional(),
  advanced: z
    .strictObject({
      log_requests: bool.optional(),
      log_responses: bool.optional(),
      mask_sensitive_data: bool.optional(),
      retry_on_timeout: bool.optional(),
      max_retries: nonNegativeInt.optional(),
      /** Seconds. */
      retry_delay: nonNegative.optional(),
    })
    .optional(),
  proxy_server: z
    .strictObject({
      num_workers: positiveInt.optional(),
      max_concurrent_requests: positiveInt.optional(),
      port: portNumber.optional(),
      host: z.string().optional(),
    })
    .optional(),
};

// ---------------------------------------------------------------------------------------------
// The whole file.

export const configSchema = z.strictObject({
  model_list: z.array(modelEntrySchema).default([]),
  router_settings: routerSettingsSchema.default({}),
  litellm_settings: litellmSettingsSchema.default({}),
  general_settings: generalSettingsSchema.default({}),
  guardrails: z.array(guardrailEntrySchema).optional(),
  environment_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  ...seedBlocksSchema,
});

export type RawConfig = z.output<typeof configSchema>;
export type ModelEntry = z.output<typeof modelEntrySchema>;
export type LitellmParams = z.output<typeof litellmParamsSchema>;
export type RouterSettings = z.output<typeof routerSettingsSchema>;
export type LitellmSettings = z.output<typeof litellmSettingsSchema>;
export type GeneralSettings = z.output<typeof generalSettingsSchema>;
export type CacheParams = z.output<typeof cacheParamsSchema>;
export type GuardrailEntry = z.output<typeof guardrailEntrySchema>;
export type LlmGuardBlock = z.output<typeof llmGuardSchema>;

/**
 * LiteLLM keys accepted but not implemented by Pharos yet: one warning each at boot.
 * Paths use `[]` for "every list element". Remove a line when the feature lands.
 */
export const NOT_YET_IMPLEMENTED: Readonly<Record<string, string>> = {
  "model_list[].litellm_params.allowed_openai_params":
    "OpenAI-compatible deployments get every parameter already; the translating providers send only what they translate and refuse the rest (drop_params drops it)",
  "model_list[].litellm_params.api_version": "only used by Azure, which Pharos does not speak yet",
  "model_list[].litellm_params.region_name": "regions are not used for routing yet",
  "model_list[].litellm_params.max_parallel_requests": "per-deployment parallel limits are not implemented (rpm/tpm are; least-busy routing spreads in-flight requests)",
  "model_list[].litellm_params.num_retries": "retries are router-level: router_settings.num_retries and retry_policy",
  "model_list[].litellm_params.input_cost_per_second": "cost is per token (input_cost_per_token / output_cost_per_token)",
  "model_list[].litellm_params.output_cost_per_second": "cost is per token (input_cost_per_token / output_cost_per_token)",
  "model_list[].litellm_params.max_budget": "deployment budgets are not implemented; use key budgets",
  "model_list[].litellm_params.budget_duration": "deployment budgets are not implemented; use key budgets",
  "model_list[].litellm_params.use_in_pass_through": "pass-through endpoints are not implemented",
  "model_list[].litellm_params.merge_reasoning_content_in_choices": "answers are passed on as the upstream sent them",
  "router_settings.provider_budget_config": "provider budgets are not implemented yet",
  "litellm_settings.cache_params.redis_startup_nodes": "Redis Cluster is not supported yet",
  "litellm_settings.cache_params.similarity_threshold": "semantic caching is not implemented",
  "litellm_settings.turn_off_message_logging": "Pharos never logs message content",
  "litellm_settings.redact_user_api_key_info": "Pharos always redacts keys",
  "litellm_settings.max_budget": "a proxy-wide budget is not implemented yet; use key budgets",
  "litellm_settings.budget_duration": "a proxy-wide budget is not implemented yet; use key budgets",
  "litellm_settings.guardrails": "use the top-level `guardrails:` list",
  "general_settings.alerting_args.region_outage_alert_ttl": "region outage alerts are not implemented (outage alerts are per deployment)",
  "general_settings.proxy_budget_rescheduler_min_time": "budgets reset on their own schedule",
  "general_settings.proxy_budget_rescheduler_max_time": "budgets reset on their own schedule",
  "general_settings.disable_master_key_return": "the master key is never returned",
  "general_settings.allowed_routes": "route allow-lists are not implemented yet",
  "general_settings.ui_access_mode": "Pharos has no admin UI",
  "litellm_settings.service_callback": "Pharos always serves its own runtime, pool and store metrics on /metrics",
  "litellm_settings.callback_settings": "callbacks other than Prometheus metrics and OpenTelemetry traces are not implemented",
  "litellm_settings.telemetry": "Pharos sends no usage telemetry anywhere",
  "litellm_settings.modify_params": "requests are forwarded as sent",
  "litellm_settings.enable_preview_features": "Pharos has no preview features",
  "litellm_settings.return_response_headers": "upstream response headers are not passed on; Pharos sends its x-litellm-* headers",
  "litellm_settings.default_team_settings": "teams are not implemented",
  "litellm_settings.langfuse_default_tags": "Langfuse logging is not implemented",
  "litellm_settings.force_ipv4": "the system resolver picks the address family",
  "litellm_settings.ssl_verify": "upstream TLS certificates are always verified",
  "litellm_settings.disable_end_user_cost_tracking": "end-user cost tracking is not implemented",
  "litellm_settings.disable_end_user_cost_tracking_prometheus_only": "end-user cost tracking is not implemented",
  "litellm_settings.key_generation_settings": "keys are generated with the master key only",
  "litellm_settings.default_key_generate_params": "a generated key takes the request's values",
  "litellm_settings.upperbound_key_generate_params": "a generated key takes the request's values",
  "litellm_settings.max_internal_user_budget": "internal users are not implemented; use key budgets",
  "litellm_settings.internal_user_budget_duration": "internal users are not implemented; use key budgets",
  "litellm_settings.max_end_user_budget": "end-user budgets are not implemented; use key budgets",
  "litellm_settings.disable_hf_tokenizer_download": "Pharos uses the tokenizers bundled with it",
  "litellm_settings.enable_json_schema_validation": "response_format schemas are not validated",
  "litellm_settings.disable_add_transform_inline_image_block": "requests are forwarded as sent",
  "litellm_settings.disable_copilot_system_to_assistant": "requests are forwarded as sent",
  "general_settings.infer_model_from_keys": "model groups come from model_list",
  "general_settings.forward_openai_org_id": "the client's OpenAI-Organization header is not forwarded (litellm_params.organization is sent)",
  "general_settings.forward_client_headers_to_llm_api": "client headers are not forwarded upstream",
  "general_settings.pass_through_endpoints": "pass-through endpoints are not implemented",
  "general_settings.use_client_credentials_pass_through_routes": "pass-through endpoints are not implemented",
  "general_settings.custom_auth": "custom auth hooks are not supported: master key and virtual keys",
  "general_settings.custom_key_generate": "custom key generation hooks are not supported",
  "general_settings.custom_sso": "Pharos has no admin UI or SSO",
  "general_settings.public_routes": "the public routes are fixed: liveliness, readiness and /metrics",
  "general_settings.admin_only_routes": "admin routes are master-key only",
  "general_settings.enable_jwt_auth": "JWT auth is not implemented",
  "general_settings.litellm_jwtauth": "JWT auth is not implemented",
  "general_settings.enable_oauth2_auth": "OAuth2 auth is not implemented",
  "general_settings.oauth2_config_mappings": "OAuth2 auth is not implemented",
  "general_settings.allow_user_auth": "Pharos has no admin UI or user logins",
  "general_settings.allowed_ips": "restrict clients at nginx or the network",
  "general_settings.use_x_forwarded_for": "nginx sets the client address (set_real_ip_from)",
  "general_settings.litellm_key_header_name": "keys are read from Authorization: Bearer",
  "general_settings.allow_client_side_credentials": "clients cannot pass provider credentials",
  "general_settings.completion_model": "the request's model is always used",
  "general_settings.embedding_model": "the request's model is always used",
  "general_settings.image_generation_model": "the request's model is always used",
  "general_settings.moderation_model": "the request's model is always used",
  "general_settings.disable_spend_updates": "key spend is always counted (disable_spend_logs turns off the rows)",
  "general_settings.disable_reset_budget": "budgets reset on their own schedule",
  "general_settings.disable_adding_master_key_hash_to_db": "the master key is never stored",
  "general_settings.disable_retry_on_max_parallel_request_limit_error": "a parallel-limit refusal is never retried",
  "general_settings.disable_prisma_schema_update": "Pharos runs its own versioned migrations",
  "general_settings.store_prompts_in_spend_logs": "Pharos never stores message content",
  "general_settings.key_management_system": "secrets come from os.environ/ references",
  "general_settings.key_management_settings": "secrets come from os.environ/ references",
  "general_settings.use_azure_key_vault": "secrets come from os.environ/ references",
  "general_settings.use_google_kms": "secrets come from os.environ/ references",
  "general_settings.default_team_disabled": "teams are not implemented",
  "general_settings.enforced_params": "enforced request parameters are not implemented",
  "general_settings.service_account_settings": "service accounts are not implemented",
  "general_settings.spend_report_frequency": "spend reports follow general_settings.alerting (daily report)",
  "general_settings.litellm_license": "Pharos needs no license key",
  "router_settings.default_max_parallel_requests": "per-deployment parallel limits are not implemented",
  "router_settings.default_priority": "request priorities are not implemented",
  "router_settings.polling_interval": "request queueing is not implemented",
  "router_settings.caching_groups": "cached answers are kept per model group",
  "router_settings.alerting_config": "alerting is configured in general_settings",
  "router_settings.assistants_config": "the Assistants API is not implemented",
  "router_settings.set_verbose": "log levels follow LITELLM_LOG",
  "router_settings.model_group_retry_policy": "retry_policy applies to every model group",
  "router_settings.optional_pre_call_checks": "only enable_pre_call_checks (context windows) is implemented",
  "router_settings.ignore_invalid_deployments": "an invalid deployment is a boot error naming it",
  "advanced.log_requests": "per-request logging follows LITELLM_LOG",
  "advanced.log_responses": "Pharos never logs message content",
  "advanced.mask_sensitive_data": "Pharos always redacts keys",
};
