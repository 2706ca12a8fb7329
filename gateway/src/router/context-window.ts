/**
 * `router_settings.enable_pre_call_checks` (LiteLLM's pre-call checks): before a deployment is
 * picked, the ones whose `model_info.max_input_tokens` is smaller than the prompt are left out.
 * When none is left the request fails with context_window_exceeded before any call, which goes
 * to `context_window_fallbacks` like the same error from a provider.
 *
 * The prompt is counted with the tokenizer of each deployment's model family, at most once per
 * (tokenizer, limit) per request, and only as far as needed to decide (tokens/token-count.ts).
 * Deployments without max_input_tokens always fit.
 */
import { GatewayError } from "../errors.ts";
import { inputSegments, JoinedSegments } from "../guardrails/segments.ts";
import type { Operation, RequestBody } from "../providers/openai-types.ts";
import { encodingForModel, promptExceeds } from "../tokens/token-count.ts";
import type { Deployment } from "./deployments.ts";

/** One request's pre-call check. */
export interface PromptCheck {
  /** Whether a deployment's context window takes the prompt. */
  readonly fits: (deployment: Deployment) => boolean;
  /** The request field the prompt is in, named by the error when no deployment fits. */
  readonly param: "messages" | "prompt";
}

interface Prompt {
  readonly text: string;
  /** Chat messages (3 framing tokens each); 0 for a completion prompt. */
  readonly messages: number;
}

/** The prompts to check: the joined chat messages, or each completion prompt (each is its own call). */
function promptsOf(op: Operation, body: RequestBody): Prompt[] {
  const segments = inputSegments(op, body) ?? [];
  if (op === "chat") return [{ text: new JoinedSegments(segments).text, messages: (body as { messages: unknown[] }).messages.length }];
  return segments.map((segment) => ({ text: segment.text, messages: 0 }));
}

/** The pre-call check for one request; undefined for embeddings (LiteLLM checks prompts only). */
export function promptCheck(op: Operation, body: RequestBody): PromptCheck | undefined {
  if (op === "embeddings") return undefined;
  let prompts: Prompt[] | undefined;
  const verdicts = new Map<string, boolean>();
  const fits = (deployment: Deployment): boolean => {
    const limit = deployment.maxInputTokens;
    if (limit === undefined) return true;
    const encoding = encodingForModel(deployment.model);
    const key = `${encoding}:${limit}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      prompts ??= promptsOf(op, body);
      verdict = prompts.every((prompt) => !promptExceeds(prompt.text, prompt.messages, limit, encoding));
      verdicts.set(key, verdict);
    }
    return verdict;
  };
  return { fits, param: op === "chat" ? "messages" : "prompt" };
}

/** No deployment of the group takes the prompt. */
export function contextWindowExceeded(group: string, deployments: readonly Deployment[], param: string): GatewayError {
  const limits = deployments.map((deployment) => `${deployment.id}: ${deployment.maxInputTokens}`).join(", ");
  return new GatewayError(
    "context_window_exceeded",
    `Context window exceeded for model group '${group}': the prompt is longer than max_input_tokens of every deployment (${limits}). No models have context window large enough for this call.`,
    { param },
  );
}
