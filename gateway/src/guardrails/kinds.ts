/**
 * The scanner kinds Pharos ships, by id, with the names LLM Guard (and LiteLLM) give them and
 * the phases each can run in. Constants only (no imports), so the config schema can use them.
 */

export type Phase = "input" | "output";

export const SCANNER_KINDS = [
  "ban_substrings",
  "prompt_injection",
  "toxicity",
  "secrets",
  "token_limit",
  "malicious_urls",
  "no_refusal",
  "no_code",
] as const;

export type ScannerKind = (typeof SCANNER_KINDS)[number];

export interface KindInfo {
  /** LLM Guard's class name, as the seed's `llm_guard:` block writes it. */
  readonly llmGuardName: string;
  readonly phases: readonly Phase[];
}

export const KIND_INFO: Readonly<Record<ScannerKind, KindInfo>> = {
  ban_substrings: { llmGuardName: "BanSubstrings", phases: ["input", "output"] },
  prompt_injection: { llmGuardName: "PromptInjection", phases: ["input"] },
  toxicity: { llmGuardName: "Toxicity", phases: ["input", "output"] },
  secrets: { llmGuardName: "Secrets", phases: ["input"] },
  token_limit: { llmGuardName: "TokenLimit", phases: ["input"] },
  malicious_urls: { llmGuardName: "MaliciousURLs", phases: ["output"] },
  no_refusal: { llmGuardName: "NoRefusal", phases: ["output"] },
  no_code: { llmGuardName: "NoCode", phases: ["output"] },
};

/**
 * Every spelling accepted as `litellm_params.guardrail`: the Pharos id, LLM Guard's class name,
 * and LiteLLM's own `hide-secrets` (which redacts secrets instead of blocking).
 */
export const KIND_ALIASES: Readonly<Record<string, ScannerKind>> = {
  ...Object.fromEntries(SCANNER_KINDS.map((kind) => [kind, kind])),
  ...Object.fromEntries(SCANNER_KINDS.map((kind) => [KIND_INFO[kind].llmGuardName, kind])),
  "hide-secrets": "secrets",
  hide_secrets: "secrets",
};

/** LLM Guard names allowed in `llm_guard.input_scanning.scanners` / `output_scanning.scanners`. */
export const INPUT_SCANNER_NAMES = SCANNER_KINDS.filter((kind) => KIND_INFO[kind].phases.includes("input")).map((kind) => KIND_INFO[kind].llmGuardName);
export const OUTPUT_SCANNER_NAMES = SCANNER_KINDS.filter((kind) => KIND_INFO[kind].phases.includes("output")).map((kind) => KIND_INFO[kind].llmGuardName);

/** LiteLLM's hosted guardrail integrations: named in the error when a config asks for one. */
export const LITELLM_HOSTED_GUARDRAILS = ["aporia", "lakera", "lakera_v2", "presidio", "bedrock", "guardrails_ai", "aim", "openai_moderation", "azure/prompt_shield", "azure/text_moderations", "pangea", "lasso", "noma", "model_armor", "custom_guardrail"] as const;

/** The language codes Pharos has messages and word lists for. */
export const LANGUAGES = ["en", "vi", "fr", "de", "es", "ja", "zh"] as const;
export type Language = (typeof LANGUAGES)[number];
