import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import type { ChatRequest, CompletionRequest } from "../providers/openai-types.ts";
import type { Transport } from "../providers/transport.ts";
import { countTokens } from "../tokens/token-count.ts";
import { contextWindowExceeded, promptCheck } from "./context-window.ts";
import { buildDeployments } from "./deployments.ts";
import type { Deployment } from "./deployments.ts";

const transport: Transport = { request: () => Promise.reject(new Error("no I/O")), stats: () => undefined, close: () => Promise.resolve() };

function deployments(entries: string): ReadonlyMap<string, Deployment> {
  const { table, problems } = buildDeployments(parseConfigText(`model_list:\n${entries}`, "test", {}).config, {}, { http: () => transport, inProcess: () => transport });
  expect(problems).toEqual([]);
  return table.byId;
}

const byId = deployments(`
  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_base: "http://a.test/v1" }, model_info: { id: small, max_input_tokens: 20 } }
  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_base: "http://b.test/v1" }, model_info: { id: big, max_input_tokens: 100000 } }
  - { model_name: g, litellm_params: { model: ollama_chat/llama3.2, api_base: "http://c.test" }, model_info: { id: open } }
`);
const small = byId.get("small")!;
const big = byId.get("big")!;
const open = byId.get("open")!;

const chat = (...contents: string[]): ChatRequest => ({ model: "g", messages: contents.map((content) => ({ role: "user", content })) });

describe("promptCheck (router_settings.enable_pre_call_checks)", () => {
  it("keeps a deployment while the prompt and its message framing fit in max_input_tokens", () => {
    // 17 tokens of text + 3 framing = 20: fits exactly; one more token does not.
    const text = "token ".repeat(17).trim();
    expect(countTokens(text, "o200k_base")).toBe(17);
    expect(promptCheck("chat", chat(text))!.fits(small)).toBe(true);
    expect(promptCheck("chat", chat(`${text} token`))!.fits(small)).toBe(false);
    // Two messages: 6 framing tokens, and the texts are counted joined by a newline (1 token).
    const seven = "token ".repeat(7).trim();
    const six = "token ".repeat(6).trim();
    expect(countTokens(`${seven}\n${six}`, "o200k_base")).toBe(14);
    expect(promptCheck("chat", chat(seven, six))!.fits(small)).toBe(true);
    expect(promptCheck("chat", chat(seven, seven))!.fits(small)).toBe(false);
  });

  it("keeps deployments with a larger window or none configured", () => {
    const check = promptCheck("chat", chat("word ".repeat(500)))!;
    expect([small, big, open].map(check.fits)).toEqual([false, true, true]);
    expect(check.param).toBe("messages");
  });

  it("counts content parts and checks every completion prompt on its own", () => {
    const parts: ChatRequest = { model: "g", messages: [{ role: "user", content: [{ type: "text", text: "word ".repeat(30) }] }] };
    expect(promptCheck("chat", parts)!.fits(small)).toBe(false);
    const prompts: CompletionRequest = { model: "g", prompt: ["short", "word ".repeat(30)] };
    const check = promptCheck("text_completion", prompts)!;
    expect(check.fits(small)).toBe(false);
    expect(check.param).toBe("prompt");
    expect(promptCheck("text_completion", { model: "g", prompt: ["short", "also short"] })!.fits(small)).toBe(true);
  });

  it("takes a well-known model's context window when max_input_tokens is not configured, as LiteLLM's model map does", () => {
    const known = deployments(`
  - { model_name: k, litellm_params: { model: openai/gpt-3.5-turbo-0125, api_base: "http://a.test/v1" }, model_info: { id: turbo } }
  - { model_name: k, litellm_params: { model: openai/gpt-4o-mini, api_base: "http://b.test/v1" }, model_info: { id: mini } }
  - { model_name: k, litellm_params: { model: openai/gpt-4o-mini, api_base: "http://c.test/v1" }, model_info: { id: own, max_input_tokens: 50 } }
`);
    expect(["turbo", "mini", "own"].map((id) => known.get(id)!.maxInputTokens)).toEqual([16_385, 128_000, 50]);
    const check = promptCheck("chat", chat("word ".repeat(20_000)))!;
    expect(["turbo", "mini", "own"].map((id) => check.fits(known.get(id)!))).toEqual([false, true, false]);
    expect(open.maxInputTokens).toBeUndefined();
  });

  it("does not check embeddings", () => {
    expect(promptCheck("embeddings", { model: "g", input: "word ".repeat(500) })).toBeUndefined();
  });

  it("names the group, every deployment's window and the field in the error", () => {
    const error = contextWindowExceeded("g", [small, big], "messages");
    expect(error.code).toBe("context_window_exceeded");
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages");
    expect(error.message).toContain("model group 'g'");
    expect(error.message).toContain("small: 20, big: 100000");
  });
});
