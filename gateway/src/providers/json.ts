/**
 * Parsing upstream JSON: one JSON.parse, and a GatewayError naming the deployment's provider
 * when the bytes are not the JSON object the provider should have sent.
 */
import { GatewayError } from "../errors.ts";

export type JsonObject = Record<string, unknown>;

export function parseUpstreamJson(text: string, provider: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError("upstream_malformed", `${provider} upstream sent a body that is not JSON: ${text.slice(0, 120)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("upstream_malformed", `${provider} upstream sent JSON that is not an object`);
  }
  return value as JsonObject;
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The upstream's error message from the usual shapes: {error:{message}}, {error:"…"}, {detail:"…"}, {message:"…"}. */
export function errorMessageOf(text: string): { message: string; code: string | undefined } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500) || "(empty body)", code: undefined };
  }
  if (!isObject(value)) return { message: text.slice(0, 500), code: undefined };
  const error = value["error"];
  if (typeof error === "string") return { message: error, code: undefined };
  if (isObject(error)) {
    const message = typeof error["message"] === "string" ? error["message"] : JSON.stringify(error).slice(0, 500);
    const code = [error["code"], error["type"], error["status"]].find((item) => typeof item === "string") as string | undefined;
    return { message, code };
  }
  const detail = value["detail"] ?? value["message"];
  if (typeof detail === "string") return { message: detail, code: undefined };
  return { message: text.slice(0, 500), code: undefined };
}
