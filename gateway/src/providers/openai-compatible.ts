/**
 * OpenAI and every OpenAI-compatible server (`openai/`, `hosted_vllm/`, a custom api_base, and
 * the in-process `fake/` model). Requests go out with the deployment's model name; responses and
 * stream chunks pass through as the upstream wrote them, parsed once to read usage and errors.
 */
import { GatewayError } from "../errors.ts";
import { errorMessageOf, isObject, parseUpstreamJson } from "./json.ts";
import type { Operation, RequestBody, ResponseBody, StreamChunk, Usage } from "./openai-types.ts";
import { UpstreamStreamFailure } from "./provider.ts";
import type { ProviderAdapter, StreamDecoder, UpstreamRequest, UpstreamTarget } from "./provider.ts";

const PATHS: Record<Operation, string> = {
  chat: "/chat/completions",
  text_completion: "/completions",
  embeddings: "/embeddings",
};

const JSON_HEADERS = { "content-type": "application/json" } as const;

function headersFor(target: UpstreamTarget): Record<string, string> {
  return target.apiKey === undefined ? JSON_HEADERS : { ...JSON_HEADERS, authorization: `Bearer ${target.apiKey}` };
}

function usageOf(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const prompt = value["prompt_tokens"];
  const completion = value["completion_tokens"];
  if (typeof prompt !== "number") return undefined;
  const completionTokens = typeof completion === "number" ? completion : 0;
  const total = value["total_tokens"];
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: typeof total === "number" ? total : prompt + completionTokens };
}

const EXPECTED_LIST: Record<Operation, "choices" | "data"> = { chat: "choices", text_completion: "choices", embeddings: "data" };

export function openAiCompatible(kind: string, otelName: string): ProviderAdapter {
  return {
    kind,
    otelName,
    operations: new Set<Operation>(["chat", "text_completion", "embeddings"]),
    // Every field goes upstream as sent: OpenAI-compatible servers take their own extras.
    params: { chat: "all", text_completion: "all", embeddings: "all" },
    contentParts: "all",
    streamFraming: "sse",

    buildRequest(op: Operation, body: RequestBody, target: UpstreamTarget, stream: boolean): UpstreamRequest {
      const outgoing: Record<string, unknown> = { ...body, model: target.model };
      // Always ask for usage so tokens and cost are known; the decoder hides the usage chunk
      // from clients that did not ask for it.
      if (stream) outgoing["stream_options"] = { ...(body.stream_options ?? {}), include_usage: true };
      return { method: "POST", path: `${target.basePath}${PATHS[op]}${target.baseQuery}`, headers: headersFor(target), body: JSON.stringify(outgoing) };
    },

    parseResponse(op, text) {
      const body = parseUpstreamJson(text, kind);
      if (!Array.isArray(body[EXPECTED_LIST[op]])) {
        throw new GatewayError("upstream_malformed", `${kind} upstream response has no "${EXPECTED_LIST[op]}" list`);
      }
      return { body: body as unknown as ResponseBody, raw: text, usage: usageOf(body["usage"]) };
    },

    createStreamDecoder(_op, _target, options): StreamDecoder {
      let usage: Usage | undefined;
      return {
        get usage() {
          return usage;
        },
        decode(payload) {
          if (payload === "[DONE]") return [];
          const chunk = parseUpstreamJson(payload, kind);
          const error = chunk["error"];
          if (error !== undefined) {
            const status = isObject(error) && typeof error["code"] === "number" ? error["code"] : 500;
            throw new UpstreamStreamFailure(status, errorMessageOf(payload).message);
          }
          const chunkUsage = usageOf(chunk["usage"]);
          if (chunkUsage !== undefined) usage = chunkUsage;
          const choices = chunk["choices"];
          if (chunkUsage === undefined || options.includeUsage) return [{ chunk: chunk as unknown as StreamChunk, raw: payload }];
          // Usage the client did not ask for: drop a usage-only chunk, strip it from a content chunk.
          if (Array.isArray(choices) && choices.length === 0) return [];
          delete chunk["usage"];
          return [{ chunk: chunk as unknown as StreamChunk }];
        },
        finish: () => [],
      };
    },

    parseError(_status, text) {
      return errorMessageOf(text);
    },

    healthProbe(target) {
      return { method: "GET", path: `${target.basePath}/models${target.baseQuery}`, headers: headersFor(target) };
    },
  };
}
