/**
 * TokenLimit: blocks a prompt longer than `limit` tokens (LLM Guard's default: 4096), counted
 * with the tokenizer of the model's family (or `encoding_name`), plus the few tokens of framing
 * each chat message costs. Most prompts are decided by their byte size without tokenizing.
 */
import { allow } from "../scanner.ts";
import type { Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";
import { encoding, encodingForModel, promptExceeds } from "../../tokens/token-count.ts";
import type { EncodingName } from "../../tokens/token-count.ts";

export interface TokenLimitOptions {
  readonly limit?: number;
  readonly encoding_name?: "auto" | EncodingName;
}

export const DEFAULT_TOKEN_LIMIT = 4096;

export function tokenLimit(settings: ScannerSettings, options: TokenLimitOptions): Scanner {
  const limit = options.limit ?? DEFAULT_TOKEN_LIMIT;
  const fixed = options.encoding_name === undefined || options.encoding_name === "auto" ? undefined : options.encoding_name;
  // Load the tokenizer at boot, not on the first long prompt.
  encoding(fixed ?? "cl100k_base");
  return {
    ...settings,
    roles: "all",
    scan(input: ScanText): Verdict {
      if (!promptExceeds(input.text, input.parts, limit, fixed ?? encodingForModel(input.model))) return allow(0);
      return { action: "block", score: 1, reason: "token_limit", detail: `over ${limit} tokens`, params: { limit } };
    },
  };
}
