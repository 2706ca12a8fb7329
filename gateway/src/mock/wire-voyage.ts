/**
 * The mock's Voyage AI server, mounted under /voyage/v1 so it can share a port with the
 * OpenAI-compatible routes: POST /voyage/v1/embeddings with Voyage's request and usage shape.
 */
import { countTokens } from "./fake-content.ts";
import { jsonReply } from "./reply.ts";
import type { MockReply, MockRoute, WireContext, WireFormat } from "./reply.ts";
import { embeddingInputs, encodedEmbedding } from "./wire-openai.ts";

function embeddings(context: WireContext): MockReply {
  const auth = context.call.headers["authorization"];
  if (typeof auth !== "string" || !auth.startsWith("Bearer ") || auth.length <= "Bearer ".length) {
    return { kind: "body", status: 401, headers: { "content-type": "application/json" }, text: JSON.stringify({ detail: "Provided API key is invalid." }) };
  }
  const body = (context.call.body ?? {}) as Record<string, unknown>;
  const inputs = embeddingInputs(body["input"]);
  if (inputs.length === 0) return { kind: "body", status: 400, headers: { "content-type": "application/json" }, text: JSON.stringify({ detail: "input is required" }) };
  return jsonReply({
    object: "list",
    data: inputs.map((text, index) => ({ object: "embedding", embedding: encodedEmbedding(text, body["encoding_format"]), index })),
    model: typeof body["model"] === "string" ? body["model"] : "voyage-3",
    usage: { total_tokens: inputs.reduce((sum, text) => sum + countTokens(text), 0) },
  });
}

const routes: MockRoute[] = [{ method: "POST", pattern: /^\/voyage\/v1\/embeddings$/, name: "voyage embeddings", answer: embeddings }];

export const voyageWire: WireFormat = {
  name: "voyage",
  routes,
  errorBody(_status, message) {
    return JSON.stringify({ detail: message });
  },
};
