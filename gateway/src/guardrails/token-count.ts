/**
 * Token counting with a real BPE tokenizer (gpt-tokenizer, the tiktoken encodings), per model
 * family: o200k_base for GPT-4o, GPT-4.1, GPT-4.5, GPT-5, o-series and gpt-oss; cl100k_base for
 * GPT-4, GPT-3.5 and OpenAI embeddings, and as the estimate for other families (Llama 3's
 * tokenizer extends cl100k's vocabulary, so counts are close; Mistral, Gemma and Qwen differ by a
 * few percent). Encodings load lazily and synchronously, once per process (~80 ms, ~20 MB each).
 *
 * Also meant for `router_settings.enable_pre_call_checks` (comparing a prompt with
 * `model_info.max_input_tokens`): `exceedsTokens` answers without tokenizing when the UTF-8 size
 * alone settles it (a token is at least one byte).
 */
import { createRequire } from "node:module";

export const ENCODINGS = ["cl100k_base", "o200k_base", "p50k_base", "r50k_base"] as const;
export type EncodingName = (typeof ENCODINGS)[number];

interface Encoding {
  countTokens(input: string, options?: { disallowedSpecial?: Set<string> }): number;
  isWithinTokenLimit(input: string, limit: number, options?: { disallowedSpecial?: Set<string> }): false | number;
}

const require = createRequire(import.meta.url);
const loaded = new Map<EncodingName, Encoding>();
/** Special tokens (<|endoftext|>, …) in user text are counted as text, never rejected. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

export function encoding(name: EncodingName): Encoding {
  let found = loaded.get(name);
  if (found === undefined) {
    found = require(`gpt-tokenizer/encoding/${name}`) as Encoding;
    loaded.set(name, found);
  }
  return found;
}

const O200K = /(?:^|\/)(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex)/i;
const P50K = /(?:^|\/)(?:text-davinci-00[23]|code-davinci|code-cushman)/i;
const R50K = /(?:^|\/)(?:davinci|curie|babbage|ada)(?:$|-00)/i;

/** The encoding for a (provider-prefixed) model name. */
export function encodingForModel(model: string | undefined): EncodingName {
  if (model === undefined) return "cl100k_base";
  if (O200K.test(model)) return "o200k_base";
  if (P50K.test(model)) return "p50k_base";
  if (R50K.test(model)) return "r50k_base";
  return "cl100k_base";
}

export function countTokens(text: string, name: EncodingName): number {
  return encoding(name).countTokens(text, AS_TEXT);
}

/**
 * The token count when it is over `limit`, otherwise false. Texts whose UTF-8 size is within the
 * limit are not tokenized at all; others stop tokenizing once the limit is passed.
 */
export function exceedsTokens(text: string, limit: number, name: EncodingName): number | false {
  if (text.length <= limit && Buffer.byteLength(text, "utf8") <= limit) return false;
  const within = encoding(name).isWithinTokenLimit(text, limit, AS_TEXT);
  return within === false ? countTokens(text, name) : false;
}
