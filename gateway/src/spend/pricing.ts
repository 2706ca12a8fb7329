/**
 * Prices per token (USD) and the cost of a call: pure functions over a table built at boot.
 * A deployment's own `input_cost_per_token` / `output_cost_per_token` (litellm_params or
 * model_info) win; otherwise the public list prices of `providers/known-models.ts`; local
 * providers are free.
 */
import { knownModel } from "../providers/known-models.ts";
import type { Usage } from "../providers/openai-types.ts";

export interface Price {
  readonly inputPerToken: number;
  readonly outputPerToken: number;
  /** Where the price came from, for boot warnings and /model/info. */
  readonly source: "config" | "built-in" | "local" | "unknown";
}

export function builtInPrice(model: string): Price | undefined {
  const known = knownModel(model);
  return known === undefined ? undefined : { inputPerToken: known.inputPerToken, outputPerToken: known.outputPerToken, source: "built-in" };
}

export interface PriceInputs {
  /** The provider runs models on the operator's own hardware (its registry entry's `localModel`). */
  readonly localModel: boolean;
  readonly upstreamModel: string;
  readonly inputCostPerToken: number | undefined;
  readonly outputCostPerToken: number | undefined;
}

export function priceFor(inputs: PriceInputs): Price {
  if (inputs.inputCostPerToken !== undefined || inputs.outputCostPerToken !== undefined) {
    return { inputPerToken: inputs.inputCostPerToken ?? 0, outputPerToken: inputs.outputCostPerToken ?? 0, source: "config" };
  }
  if (inputs.localModel) return { inputPerToken: 0, outputPerToken: 0, source: "local" };
  return builtInPrice(inputs.upstreamModel) ?? { inputPerToken: 0, outputPerToken: 0, source: "unknown" };
}

/** USD for one call; 0 without usage. */
export function costOf(usage: Usage | undefined, price: Price): number {
  if (usage === undefined) return 0;
  return usage.prompt_tokens * price.inputPerToken + usage.completion_tokens * price.outputPerToken;
}
