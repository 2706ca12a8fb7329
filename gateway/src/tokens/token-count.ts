/**
 * Token counting with a real BPE tokenizer (gpt-tokenizer, the tiktoken encodings), per model
 * family: o200k_base for GPT-4o, GPT-4.1, GPT-4.5, GPT-5, o-series and gpt-oss; cl100k_base for
 * GPT-4, GPT-3.5 and OpenAI embeddings, and as the estimate for other families (Llama 3's
 * tokenizer extends cl100k's vocabulary, so counts are close; Mistral, Gemma and Qwen differ by a
 * few percent). Encodings load lazily and synchronously, once per process (~80 ms, ~20 MB each).
 *
 * Used by the TokenLimit guardrail and by `router_settings.enable_pre_call_checks` (a prompt
 * against `model_info.max_input_tokens`): `exceedsTokens` answers without tokenizing when the
 * UTF-8 size alone settles it (a token is at least one byte), and otherwise tokenizes only as much
 * as needed.
 */
import { createRequire } from "node:module";

export const ENCODINGS = ["cl100k_base", "o200k_base", "p50k_base", "r50k_base"] as const;
export type EncodingName = (typeof ENCODINGS)[number];

interface Encoding {
  countTokens(input: string, options?: { disallowedSpecial?: Set<string> }): number;
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
 * Where the tiktoken pre-tokenizers (cl100k, o200k) start a new piece for sure: a space after a
 * non-space and before a letter (" word"). Pieces are encoded independently, so token counts
 * add up exactly across such a cut (checked in token-count.test.ts).
 */
const PIECE_START = /(?<=\S) (?=\p{L})/gu;

function pieceStartAtOrAfter(text: string, index: number): number {
  PIECE_START.lastIndex = index;
  return PIECE_START.exec(text)?.index ?? text.length;
}

/**
 * Whether `text` has more than `limit` tokens: the count (at least limit + 1; exact when the
 * whole text had to be tokenized) or false. A token is at least one byte, so a text within the
 * limit in UTF-8 bytes is not tokenized at all; otherwise it is tokenized a growing prefix at a
 * time, and the untokenized rest counted at one token per byte, until that bound fits in the
 * limit (usually after a few hundred characters) or the prefix alone exceeds it.
 */
export function exceedsTokens(text: string, limit: number, name: EncodingName): number | false {
  let remainingBytes = Buffer.byteLength(text, "utf8");
  if (remainingBytes <= limit) return false;
  let counted = 0;
  let offset = 0;
  // Typical text saves ~3 bytes per token, so ~1.5 × the excess usually suffices; it doubles if not.
  let step = Math.max(128, Math.ceil(1.5 * (remainingBytes - limit)));
  while (offset < text.length) {
    const end = offset + step >= text.length ? text.length : pieceStartAtOrAfter(text, offset + step);
    const segment = text.slice(offset, end);
    counted += countTokens(segment, name);
    remainingBytes -= Buffer.byteLength(segment, "utf8");
    offset = end;
    if (counted > limit) return counted;
    if (counted + remainingBytes <= limit) return false;
    step *= 2;
  }
  return false;
}

/** OpenAI's chat framing: about 3 tokens per message (role and separators). */
export const TOKENS_PER_MESSAGE = 3;

/** Whether a prompt of `messages` messages, their texts joined in `text`, is over `limit` tokens with the framing. */
export function promptExceeds(text: string, messages: number, limit: number, name: EncodingName): boolean {
  const framing = messages * TOKENS_PER_MESSAGE;
  return framing > limit || exceedsTokens(text, limit - framing, name) !== false;
}
