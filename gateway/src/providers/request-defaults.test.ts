import { describe, expect, it } from "vitest";
import { litellmParamsSchema } from "../config/schema.ts";
import type { ChatRequest, EmbeddingRequest } from "./openai-types.ts";
import { resolveModel } from "./registry.ts";
import type { ProviderEntry } from "./registry.ts";
import { extraHeadersOf, requestDefaultsOf, unusedProviderParams, withExtraHeaders, withRequestDefaults } from "./request-defaults.ts";

const params = (raw: Record<string, unknown>) => litellmParamsSchema.parse({ model: "openai/x", ...raw });
function provider(prefix: string): ProviderEntry {
  const resolved = resolveModel(`${prefix}/m`);
  if ("error" in resolved) throw new Error(resolved.error);
  return resolved.provider;
}
const chat = (extra: Record<string, unknown> = {}): ChatRequest => ({ model: "g", messages: [{ role: "user", content: "hi" }], ...extra });

describe("request defaults (litellm_params temperature, max_tokens, …)", () => {
  it("are undefined for a deployment without any, so the request passes untouched", () => {
    expect(requestDefaultsOf(params({ api_key: "k", rpm: 10 }), provider("openai"))).toBeUndefined();
    const body = chat();
    expect(withRequestDefaults("chat", body, undefined)).toBe(body);
  });

  it("fill what the request leaves out; the request's own values win", () => {
    const defaults = requestDefaultsOf(params({ temperature: 0.2, max_tokens: "64", stop: ["\n\n"], seed: 7 }), provider("openai"));
    expect(defaults).toEqual({ temperature: 0.2, max_tokens: 64, stop: ["\n\n"], seed: 7 });
    expect(withRequestDefaults("chat", chat(), defaults)).toEqual({ ...chat(), temperature: 0.2, max_tokens: 64, stop: ["\n\n"], seed: 7 });
    expect(withRequestDefaults("text_completion", { model: "g", prompt: "p", temperature: 1 }, defaults)).toMatchObject({ temperature: 1, max_tokens: 64 });
  });

  it("never send both token limits: a request setting one drops the other default", () => {
    const defaults = requestDefaultsOf(params({ max_tokens: 64, max_completion_tokens: 128 }), provider("openai"));
    expect(withRequestDefaults("chat", chat({ max_completion_tokens: 10 }), defaults)).toEqual({ ...chat(), max_completion_tokens: 10 });
    expect(withRequestDefaults("chat", chat({ max_tokens: 5 }), defaults)).toEqual({ ...chat(), max_tokens: 5 });
    expect(withRequestDefaults("chat", chat(), defaults)).toMatchObject({ max_tokens: 64, max_completion_tokens: 128 });
  });

  it("treat a field the request sets to null as not set (OpenAI's meaning): the default applies", () => {
    const defaults = requestDefaultsOf(params({ temperature: 0.2, max_tokens: 64, max_completion_tokens: 128 }), provider("openai"));
    expect(withRequestDefaults("chat", chat({ temperature: null, max_tokens: null, max_completion_tokens: null }), defaults)).toEqual({ ...chat(), temperature: 0.2, max_tokens: 64, max_completion_tokens: 128 });
    expect(withRequestDefaults("chat", chat({ max_tokens: null, max_completion_tokens: 10 }), defaults)).toEqual({ ...chat(), temperature: 0.2, max_completion_tokens: 10 });
  });

  it("include Ollama's keep_alive for Ollama deployments only, and name it where it is ignored", () => {
    const withKeepAlive = params({ keep_alive: "10m", temperature: 0.1 });
    expect(requestDefaultsOf(withKeepAlive, provider("ollama_chat"))).toEqual({ temperature: 0.1, keep_alive: "10m" });
    expect(requestDefaultsOf(withKeepAlive, provider("ollama"))).toEqual({ temperature: 0.1, keep_alive: "10m" });
    expect(requestDefaultsOf(withKeepAlive, provider("openai"))).toEqual({ temperature: 0.1 });
    expect(unusedProviderParams(withKeepAlive, provider("openai"))).toEqual([{ name: "keep_alive", takenBy: ["ollama", "ollama_chat"] }]);
    expect(unusedProviderParams(withKeepAlive, provider("ollama_chat"))).toEqual([]);
    expect(litellmParamsSchema.parse({ keep_alive: -1 }).keep_alive).toBe(-1);
  });

  it("leave embeddings alone", () => {
    const embedding: EmbeddingRequest = { model: "e", input: "x" };
    expect(withRequestDefaults("embeddings", embedding, { temperature: 0.1 })).toBe(embedding);
  });

  it("reject a wrong type by its name", () => {
    expect(litellmParamsSchema.safeParse({ temperature: "warm" }).error?.issues[0]?.path).toEqual(["temperature"]);
    expect(litellmParamsSchema.safeParse({ seed: 1.5 }).error?.issues[0]?.message).toBe("expected an integer");
    expect(litellmParamsSchema.safeParse({ extra_headers: { "bad header": "x" } }).error?.issues[0]).toMatchObject({ message: "expected an HTTP header name", path: ["extra_headers", "bad header"] });
  });
});

describe("upstream headers (extra_headers, organization)", () => {
  it("are lower-cased, with organization as OpenAI-Organization and extra_headers winning", () => {
    expect(extraHeadersOf(params({}))).toBeUndefined();
    expect(extraHeadersOf(params({ organization: "org-1", extra_headers: { "X-Tenant": "lighthouse" } }))).toEqual({ "openai-organization": "org-1", "x-tenant": "lighthouse" });
    expect(extraHeadersOf(params({ organization: "org-1", extra_headers: { "OpenAI-Organization": "org-2" } }))).toEqual({ "openai-organization": "org-2" });
  });

  it("go on top of the adapter's headers", () => {
    const request = { method: "POST" as const, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer a" }, body: "{}" };
    expect(withExtraHeaders(request, undefined)).toBe(request);
    expect(withExtraHeaders(request, { "x-tenant": "t", authorization: "Bearer b" }).headers).toEqual({ "content-type": "application/json", authorization: "Bearer b", "x-tenant": "t" });
  });
});
