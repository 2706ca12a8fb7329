/**
 * Provider translations round-trip end to end: the openai client talks to Pharos, Pharos talks
 * to a mock that speaks Ollama's, Gemini's and Voyage's own wire formats, and both sides are checked.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";

let mock: MockUpstream;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMock();
  const gateway = await startGateway({
    config: {
      model_list: [
        { model_name: "llama-chat", litellm_params: { model: "ollama_chat/llama3.2", api_base: mock.url } },
        { model_name: "llama-generate", litellm_params: { model: "ollama/llama3.2", api_base: mock.url } },
        { model_name: "nomic", litellm_params: { model: "ollama/nomic-embed-text", api_base: mock.url }, model_info: { mode: "embedding" } },
        { model_name: "gemini-flash", litellm_params: { model: "gemini/gemini-2.0-flash", api_base: mock.url, api_key: "g-test-key" } },
        { model_name: "gemini-embed", litellm_params: { model: "gemini/text-embedding-004", api_base: mock.url, api_key: "g-test-key" }, model_info: { mode: "embedding" } },
        { model_name: "gemini-no-key", litellm_params: { model: "gemini/gemini-2.0-flash", api_base: mock.url } },
        { model_name: "voyage", litellm_params: { model: "voyage/voyage-3", api_base: `${mock.url}/voyage/v1`, api_key: "pa-test" } },
      ],
    },
  });
  client = openaiClient(gateway.url, "unused");
  gatewayUrl = gateway.url;
});

beforeEach(() => {
  mock.faults.clear();
  mock.resetStats();
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

const lastRequest = () => mock.stats().requests.at(-1)!;
let gatewayUrl = "";

async function fetchEmbedding(model: string, input: string, encoding: string): Promise<unknown> {
  const response = await fetch(`${gatewayUrl}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, input, encoding_format: encoding }) });
  return response.json();
}

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<{ text: string; finish: string | null; usage: OpenAI.CompletionUsage | undefined }> {
  let text = "";
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, finish, usage };
}

describe("ollama_chat/ (Ollama /api/chat)", () => {
  it("chat: messages and options go out in Ollama's shape, usage comes back from the eval counts", async () => {
    const result = await client.chat.completions.create({ model: "llama-chat", messages: [{ role: "system", content: "Be brief" }, { role: "user", content: "Hi llama" }], max_tokens: 4, temperature: 0.3 });
    expect(lastRequest().route).toBe("ollama /api/chat");
    expect(lastRequest().body).toEqual({ model: "llama3.2", stream: false, options: { num_predict: 4, temperature: 0.3 }, messages: [{ role: "system", content: "Be brief" }, { role: "user", content: "Hi llama" }] });
    expect(result.choices[0]).toMatchObject({ message: { role: "assistant", content: "This is a mock" }, finish_reason: "length" });
    expect(result.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(result.model).toBe("llama3.2");
  });

  it("streaming: NDJSON becomes SSE chunks with a usage chunk on request", async () => {
    const stream = await client.chat.completions.create({ model: "llama-chat", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "stream llama" }] });
    const { text, finish, usage } = await collect(stream);
    expect(lastRequest().body).toMatchObject({ stream: true });
    expect(text).toBe('This is a mock response from Pharos to "stream llama".');
    expect(finish).toBe("stop");
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 10, total_tokens: 13 });
  });
});

describe("ollama/ (Ollama /api/generate)", () => {
  it("chat is flattened into a prompt", async () => {
    const result = await client.chat.completions.create({ model: "llama-generate", messages: [{ role: "user", content: "Generate please" }] });
    expect(lastRequest().route).toBe("ollama /api/generate");
    expect(lastRequest().body).toMatchObject({ model: "llama3.2", prompt: "Generate please", stream: false });
    expect(result.choices[0]?.message.content).toBe('This is a mock response from Pharos to "Generate please".');
  });

  it("text completions stream", async () => {
    const stream = await client.completions.create({ model: "llama-generate", prompt: "complete me", stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe('This is a mock response from Pharos to "complete me".');
  });

  it("embeddings go to /api/embed", async () => {
    const result = await client.embeddings.create({ model: "nomic", input: "embed me" });
    expect(lastRequest().route).toBe("ollama /api/embed");
    expect(lastRequest().body).toEqual({ model: "nomic-embed-text", input: ["embed me"] });
    expect(result.data[0]?.embedding).toHaveLength(8);
    expect(result.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    // Ollama returns floats; the client asked for base64, so Pharos encodes them.
    const raw = (await fetchEmbedding("nomic", "embed me", "base64")) as { data: Array<{ embedding: unknown }> };
    expect(typeof raw.data[0]?.embedding).toBe("string");
    expect(Buffer.from(raw.data[0]!.embedding as string, "base64").length).toBe(8 * 4);
  });
});

describe("gemini/ (Google AI Studio)", () => {
  it("chat: contents, systemInstruction and generationConfig go out; the key goes in x-goog-api-key", async () => {
    const result = await client.chat.completions.create({ model: "gemini-flash", messages: [{ role: "system", content: "Be kind" }, { role: "user", content: "Hi gemini" }], max_tokens: 50 });
    const sent = lastRequest();
    expect(sent.route).toBe("gemini generateContent");
    expect(sent.path).toBe("/v1beta/models/gemini-2.0-flash:generateContent");
    expect(sent.headers["x-goog-api-key"]).toBe("g-test-key");
    expect(sent.body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi gemini" }] }], systemInstruction: { parts: [{ text: "Be kind" }] }, generationConfig: { maxOutputTokens: 50 } });
    expect(result.choices[0]).toMatchObject({ message: { content: 'This is a mock response from Pharos to "Hi gemini".' }, finish_reason: "stop" });
    expect(result.usage).toEqual({ prompt_tokens: 5, completion_tokens: 10, total_tokens: 15 });
  });

  it("streaming: streamGenerateContent?alt=sse becomes OpenAI chunks", async () => {
    const stream = await client.chat.completions.create({ model: "gemini-flash", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "stream gemini" }] });
    const { text, finish, usage } = await collect(stream);
    expect(lastRequest().route).toBe("gemini streamGenerateContent");
    expect(lastRequest().query).toBe("alt=sse");
    expect(text).toBe('This is a mock response from Pharos to "stream gemini".');
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBe(10);
  });

  it("embeddings go to batchEmbedContents", async () => {
    const result = await client.embeddings.create({ model: "gemini-embed", input: ["a", "b"] });
    expect(lastRequest().route).toBe("gemini batchEmbedContents");
    expect(result.data.map((item) => item.index)).toEqual([0, 1]);
  });

  it("a missing key is Google's 403, passed on", async () => {
    const error = (await client.chat.completions.create({ model: "gemini-no-key", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as { status: number; message: string };
    expect(error.status).toBe(403);
    expect(error.message).toContain("unregistered callers");
  });
});

describe("voyage/", () => {
  it("embeddings with Voyage's request fields and usage", async () => {
    const result = await client.embeddings.create({ model: "voyage", input: ["one", "two"], dimensions: 8 });
    const sent = lastRequest();
    expect(sent.route).toBe("voyage embeddings");
    expect(sent.headers["authorization"]).toBe("Bearer pa-test");
    // The openai client asks for base64 by default; Voyage speaks it too, and the client decodes it.
    expect(sent.body).toEqual({ input: ["one", "two"], model: "voyage-3", output_dimension: 8, encoding_format: "base64" });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(8);
    expect(result.usage.prompt_tokens).toBe(2);
  });

  it("refuses chat on an embeddings-only provider", async () => {
    const error = (await client.chat.completions.create({ model: "voyage", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught)) as { status: number };
    expect(error.status).toBe(400);
    expect(mock.stats().total).toBe(0);
  });
});
