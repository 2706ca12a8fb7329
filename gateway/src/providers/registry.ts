/**
 * The only switch on provider kind: a model's prefix (`ollama_chat/llama3.2`) picks the adapter,
 * its default api_base, the environment variable that holds its key, its transport, and what
 * the rest of Pharos needs to know about the kind (free local models, the probe path setting).
 */
import type { LitellmParams } from "../config/schema.ts";
import type { ProviderAdapter } from "./provider.ts";
import { gemini } from "./gemini.ts";
import { ollamaChat, ollamaGenerate } from "./ollama.ts";
import { openAiCompatible } from "./openai-compatible.ts";
import { voyage } from "./voyage.ts";

export interface ProviderEntry {
  readonly adapter: ProviderAdapter;
  /** Used when litellm_params.api_base is absent; undefined means api_base is required. */
  readonly defaultApiBase: string | undefined;
  /** Environment variable read when litellm_params.api_key is absent. */
  readonly apiKeyEnv: string | undefined;
  /** Answered in-process by the mock upstream's code (no network). */
  readonly inProcess: boolean;
  /** Models run on the operator's own hardware: no per-token list price (spend/pricing.ts). */
  readonly localModel: boolean;
  /** The seed's `health_check.endpoint` (e.g. `/api/tags`) replaces the adapter's probe path. */
  readonly healthCheckEndpoint: boolean;
  /** Provider-specific litellm_params that become request defaults of this kind's deployments (Ollama's keep_alive). */
  readonly requestDefaultParams: readonly (keyof LitellmParams)[];
}

type EntryOptions = Partial<Omit<ProviderEntry, "adapter">>;

const entry = (adapter: ProviderAdapter, options: EntryOptions): ProviderEntry => ({
  adapter,
  defaultApiBase: options.defaultApiBase,
  apiKeyEnv: options.apiKeyEnv,
  inProcess: options.inProcess ?? false,
  localModel: options.localModel ?? false,
  healthCheckEndpoint: options.healthCheckEndpoint ?? false,
  requestDefaultParams: options.requestDefaultParams ?? [],
});

/** The api_base shown for deployments answered in-process (`fake/`, `mock_response`). */
export const IN_PROCESS_BASE = "http://in-process.invalid";

const OLLAMA: EntryOptions = { defaultApiBase: "http://localhost:11434", apiKeyEnv: "OLLAMA_API_KEY", localModel: true, healthCheckEndpoint: true, requestDefaultParams: ["keep_alive"] };

const PROVIDERS: Readonly<Record<string, ProviderEntry>> = {
  openai: entry(openAiCompatible("openai", "openai"), { defaultApiBase: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_API_KEY" }),
  hosted_vllm: entry(openAiCompatible("hosted_vllm", "vllm"), { apiKeyEnv: "HOSTED_VLLM_API_KEY", localModel: true }),
  ollama: entry(ollamaGenerate, OLLAMA),
  ollama_chat: entry(ollamaChat, OLLAMA),
  gemini: entry(gemini, { defaultApiBase: "https://generativelanguage.googleapis.com", apiKeyEnv: "GEMINI_API_KEY" }),
  voyage: entry(voyage, { defaultApiBase: "https://api.voyageai.com/v1", apiKeyEnv: "VOYAGE_API_KEY" }),
  fake: entry(openAiCompatible("fake", "pharos.fake"), { defaultApiBase: IN_PROCESS_BASE, inProcess: true, localModel: true }),
};

export const SUPPORTED_PROVIDERS: readonly string[] = Object.keys(PROVIDERS);

/** Each provider-specific litellm_param, with the prefixes of the providers that take it (for the boot warning elsewhere). */
export const PROVIDER_SPECIFIC_PARAMS: ReadonlyMap<keyof LitellmParams, readonly string[]> = (() => {
  const takers = new Map<keyof LitellmParams, string[]>();
  for (const [prefix, provider] of Object.entries(PROVIDERS)) for (const name of provider.requestDefaultParams) takers.set(name, [...(takers.get(name) ?? []), prefix]);
  return takers;
})();

export interface ResolvedModel {
  readonly provider: ProviderEntry;
  /** The model name sent upstream (the part after the prefix). */
  readonly upstreamModel: string;
}

/** `ollama_chat/llama3.2` → Ollama chat adapter + `llama3.2`; a bare name is an OpenAI model. */
export function resolveModel(model: string): ResolvedModel | { readonly error: string } {
  const slash = model.indexOf("/");
  if (slash === -1) return { provider: PROVIDERS["openai"]!, upstreamModel: model };
  const prefix = model.slice(0, slash);
  const provider = PROVIDERS[prefix];
  if (provider === undefined) {
    return { error: `provider "${prefix}" is not supported (supported prefixes: ${SUPPORTED_PROVIDERS.map((name) => `${name}/`).join(", ")})` };
  }
  const upstreamModel = model.slice(slash + 1);
  if (upstreamModel === "") return { error: `"${model}" names no model after the provider prefix` };
  return { provider, upstreamModel };
}
