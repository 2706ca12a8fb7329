/**
 * OpenAI's `encoding_format: "base64"` (the default of the official clients): the vector as
 * little-endian float32 bytes, base64-encoded. Used for providers that only return floats.
 */
import type { EmbeddingRequest, EmbeddingResponse } from "./openai-types.ts";

export function toBase64Floats(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString("base64");
}

/** Encodes the vectors when the client asked for base64; returns the body unchanged otherwise. */
export function encodeAsRequested(body: EmbeddingResponse, request: EmbeddingRequest): EmbeddingResponse {
  if (request.encoding_format !== "base64") return body;
  return { ...body, data: body.data.map((item) => (Array.isArray(item.embedding) ? { ...item, embedding: toBase64Floats(item.embedding) } : item)) };
}
