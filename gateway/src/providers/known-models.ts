/**
 * Public facts about well-known cloud models, as LiteLLM keeps them in its model cost map: list
 * prices (USD per token) and the context window (max input tokens). Matched by the longest
 * model-name prefix, so dated snapshots (`gpt-4o-2024-08-06`) share their family's row. A
 * deployment's own `model_info` / `litellm_params` always win over this table.
 */

export interface KnownModel {
  readonly inputPerToken: number;
  readonly outputPerToken: number;
  readonly maxInputTokens: number;
}

const M = 1e-6;

/** [name prefix, input USD/token, output USD/token, max input tokens] */
const KNOWN: ReadonlyArray<readonly [string, number, number, number]> = [
  ["gpt-4o-mini", 0.15 * M, 0.6 * M, 128_000],
  ["gpt-4o", 2.5 * M, 10 * M, 128_000],
  ["gpt-4.1-nano", 0.1 * M, 0.4 * M, 1_047_576],
  ["gpt-4.1-mini", 0.4 * M, 1.6 * M, 1_047_576],
  ["gpt-4.1", 2 * M, 8 * M, 1_047_576],
  ["gpt-4-turbo", 10 * M, 30 * M, 128_000],
  ["gpt-3.5-turbo", 0.5 * M, 1.5 * M, 16_385],
  ["o3-mini", 1.1 * M, 4.4 * M, 200_000],
  ["o4-mini", 1.1 * M, 4.4 * M, 200_000],
  ["text-embedding-3-small", 0.02 * M, 0, 8_191],
  ["text-embedding-3-large", 0.13 * M, 0, 8_191],
  ["text-embedding-ada-002", 0.1 * M, 0, 8_191],
  ["gemini-2.5-pro", 1.25 * M, 10 * M, 1_048_576],
  ["gemini-2.5-flash-lite", 0.1 * M, 0.4 * M, 1_048_576],
  ["gemini-2.5-flash", 0.3 * M, 2.5 * M, 1_048_576],
  ["gemini-2.0-flash-lite", 0.075 * M, 0.3 * M, 1_048_576],
  ["gemini-2.0-flash", 0.1 * M, 0.4 * M, 1_048_576],
  ["gemini-1.5-flash", 0.075 * M, 0.3 * M, 1_048_576],
  ["gemini-1.5-pro", 1.25 * M, 5 * M, 2_097_152],
  ["text-embedding-004", 0, 0, 2_048],
  ["voyage-3-large", 0.18 * M, 0, 32_000],
  ["voyage-3-lite", 0.02 * M, 0, 32_000],
  ["voyage-3", 0.06 * M, 0, 32_000],
  ["voyage-code-3", 0.18 * M, 0, 32_000],
];

export function knownModel(model: string): KnownModel | undefined {
  let best: (typeof KNOWN)[number] | undefined;
  for (const row of KNOWN) if (model.startsWith(row[0]) && (best === undefined || row[0].length > best[0].length)) best = row;
  return best === undefined ? undefined : { inputPerToken: best[1], outputPerToken: best[2], maxInputTokens: best[3] };
}
