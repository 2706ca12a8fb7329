/**
 * Voyage AI (`voyage/`): embeddings only. OpenAI's `dimensions` becomes `output_dimension`,
 * `input_type` passes through, and Voyage's `usage.total_tokens` becomes prompt tokens.
 */
import { GatewayError } from "../errors.ts";
import { errorMessageOf, isObject, parseUpstreamJson } from "./json.ts";
import type { JsonObject } from "./json.ts";
import type { EmbeddingRequest, EmbeddingResponse, Operation } from "./openai-types.ts";
import { NO_PARAMS, paramTable } from "./param-support.ts";
import type { ProviderAdapter, UpstreamTarget } from "./provider.ts";

function headersFor(target: UpstreamTarget): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.apiKey !== undefined) headers["authorization"] = `Bearer ${target.apiKey}`;
  return headers;
}

/** Voyage's own fields, passed on as sent. */
const VOYAGE_FIELDS = ["input_type", "truncation", "output_dtype"] as const;

export function voyageRequest(body: EmbeddingRequest, model: string): JsonObject {
  const out: JsonObject = { input: body.input, model };
  for (const name of VOYAGE_FIELDS) if (body[name] != null) out[name] = body[name];
  if (body.dimensions !== undefined) out["output_dimension"] = body.dimensions;
  if (body.encoding_format === "base64") out["encoding_format"] = "base64";
  return out;
}

const notSupported = (op: Operation): never => {
  throw new GatewayError("unsupported_operation", `voyage deployments serve embeddings only, not ${op}`);
};

export const voyage: ProviderAdapter = {
  kind: "voyage",
  otelName: "voyage",
  operations: new Set<Operation>(["embeddings"]),
  contentParts: "all", // no chat
  params: { chat: NO_PARAMS, text_completion: NO_PARAMS, embeddings: paramTable(["input", "dimensions", "encoding_format", ...VOYAGE_FIELDS]) },
  streamFraming: "sse",

  buildRequest(op, body, target) {
    if (op !== "embeddings") return notSupported(op);
    return { method: "POST", path: `${target.basePath}/embeddings${target.baseQuery}`, headers: headersFor(target), body: JSON.stringify(voyageRequest(body as EmbeddingRequest, target.model)) };
  },

  parseResponse(op, text, target) {
    if (op !== "embeddings") return notSupported(op);
    const response = parseUpstreamJson(text, "voyage");
    const data = response["data"];
    if (!Array.isArray(data)) throw new GatewayError("upstream_malformed", 'voyage upstream response has no "data" list');
    const usage = isObject(response["usage"]) ? response["usage"] : {};
    const tokens = typeof usage["total_tokens"] === "number" ? usage["total_tokens"] : 0;
    const body: EmbeddingResponse = {
      object: "list",
      data: data.filter(isObject).map((item, index) => ({
        object: "embedding",
        index: typeof item["index"] === "number" ? item["index"] : index,
        embedding: item["embedding"] as number[] | string,
      })),
      model: typeof response["model"] === "string" ? response["model"] : target.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
    return { body, usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens } };
  },

  createStreamDecoder(op) {
    return notSupported(op);
  },

  parseError(_status, text) {
    return errorMessageOf(text);
  },

  healthProbe(target) {
    // Voyage has no model list: the cheapest real call is a one-word embedding.
    return { method: "POST", path: `${target.basePath}/embeddings${target.baseQuery}`, headers: headersFor(target), body: JSON.stringify({ input: ["ping"], model: target.model }) };
  },
};
