/**
 * Prices per token (USD) and the cost of a call: pure functions over a table built at boot.
 * A deployment's own `input_cost_per_token` / `output_cost_per_token` (litellm_params or
 * model_info) win; otherwise a built-in table of public list prices; local providers are free.
 */
import type { Usage } from "../providers/openai-types.ts";

export interface Price {
  readonly inputPerToken: number;
  readonly outputPerToken: number;
  /** Where the price came from, for boot warnings and /model/info. */
  readonly source: "config" | "built-in" | "local" | "unknown";
}

const M = 1e-6;

/** Public list prices (USD per token), matched by longest model-name prefix. */
const BUILT_IN: ReadonlyArray<readonly [string, number, number]> = [
  ["gpt-4o-mini", 0.15 * M, 0.6 * M],
  ["gpt-4o", 2.5 * M, 10 * M],
  ["gpt-4.1-nano", 0.1 * M, 0.4 * M],
  ["gpt-4.1-mini", 0.4 * M, 1.6 * M],
  ["gpt-4.1", 2 * M, 8 * M],
  ["gpt-4-turbo", 10 * M, 30 * M],
  ["gpt-3.5-turbo", 0.5 * M, 1.5 * M],
  ["o3-mini", 1.1 * M, 4.4 * M],
  ["o4-mini", 1.1 * M, 4.4 * M],
  ["text-embedding-3-small", 0.02 * M, 0],
  ["text-embedding-3-large", 0.13 * M, 0],
  ["text-embedding-ada-002", 0.1 * M, 0],
  ["gemini-2.5-pro", 1.25 * M, 10 * M],
  ["gemini-2.5-flash-lite", 0.1 * M, 0.4 * M],
  ["gemini-2.5-flash", 0.3 * M, 2.5 * M],
  ["gemini-2.0-flash-lite", 0.075 * M, 0.3 * M],
  ["gemini-2.0-flash", 0.1 * M, 0.4 * M],
  ["gemini-1.5-flash", 0.075 * M, 0.3 * M],
  ["gemini-1.5-pro", 1.25 * M, 5 * M],
  ["text-embedding-004", 0, 0],
  ["voyage-3-large", 0.18 * M, 0],
  ["voyage-3-lite", 0.02 * M, 0],
  ["voyage-3", 0.06 * M, 0],
  ["voyage-code-3", 0.18 * M, 0],
];

/** Providers that run on the operator's own hardware: no per-token price. */
const LOCAL_PROVIDERS = new Set(["ollama", "ollama_chat", "hosted_vllm", "fake"]);

export function builtInPrice(model: string): Price | undefined {
  let best: readonly [string, number, number] | undefined;
  for (const row of BUILT_IN) if (model.startsWith(row[0]) && (best === undefined || row[0].length > best[0].length)) best = row;
  return best === undefined ? undefined : { inputPerToken: best[1], outputPerToken: best[2], source: "built-in" };
}

export interface PriceInputs {
  readonly providerKind: string;
  readonly upstreamModel: string;
  readonly inputCostPerToken: number | undefined;
  readonly outputCostPerToken: number | undefined;
}

export function priceFor(inputs: PriceInputs): Price {
  if (inputs.inputCostPerToken !== undefined || inputs.outputCostPerToken !== undefined) {
    return { inputPerToken: inputs.inputCostPerToken ?? 0, outputPerToken: inputs.outputCostPerToken ?? 0, source: "config" };
  }
  if (LOCAL_PROVIDERS.has(inputs.providerKind)) return { inputPerToken: 0, outputPerToken: 0, source: "local" };
  return builtInPrice(inputs.upstreamModel) ?? { inputPerToken: 0, outputPerToken: 0, source: "unknown" };
}

/** USD for one call; 0 without usage. */
export function costOf(usage: Usage | undefined, price: Price): number {
  if (usage === undefined) return 0;
  return usage.prompt_tokens * price.inputPerToken + usage.completion_tokens * price.outputPerToken;
}
