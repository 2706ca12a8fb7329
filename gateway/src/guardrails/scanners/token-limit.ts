/**
 * TokenLimit: blocks a prompt longer than `limit` tokens (LLM Guard's default: 4096), counted
 * with the tokenizer of the model's family (or `encoding_name`), plus the few tokens of framing
 * each chat message costs. Most prompts are decided by their byte size without tokenizing.
 */
import { allow } from "../scanner.ts";
import type { Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";
import { encoding, encodingForModel, exceedsTokens } from "../token-count.ts";
import type { EncodingName } from "../token-count.ts";

export interface TokenLimitOptions {
  readonly limit?: number;
  readonly encoding_name?: "auto" | EncodingName;
}

export const DEFAULT_TOKEN_LIMIT = 4096;
/** OpenAI's chat framing: about 3 tokens per message (role and separators). */
const TOKENS_PER_MESSAGE = 3;

export function tokenLimit(settings: ScannerSettings, options: TokenLimitOptions): Scanner {
  const limit = options.limit ?? DEFAULT_TOKEN_LIMIT;
  const fixed = options.encoding_name === undefined || options.encoding_name === "auto" ? undefined : options.encoding_name;
  // Load the tokenizer at boot, not on the first long prompt.
  encoding(fixed ?? "cl100k_base");
  return {
    ...settings,
    roles: "all",
    scan(input: ScanText): Verdict {
      const budget = limit - input.parts * TOKENS_PER_MESSAGE;
      const over = exceedsTokens(input.text, Math.max(0, budget), fixed ?? encodingForModel(input.model));
      if (over === false) return allow(0);
      return { action: "block", score: 1, reason: "token_limit", detail: `over ${limit} tokens`, params: { limit } };
    },
  };
}
