/**
 * Provider translations round-trip end to end: the openai client talks to Pharos, Pharos talks
 * to a mock that speaks Ollama's, Gemini's and Voyage's own wire formats, and both sides are checked.
 */
import OpenAI from "openai";
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
        { model_name: "gpt", litellm_params: { model: "openai/mock-gpt", api_base: `${mock.url}/v1`, api_key: "sk-test" } },
        // drop_params on these deployments only: fields their provider cannot take are left out, not refused.
        { model_name: "gemini-lenient", litellm_params: { model: "gemini/gemini-2.0-flash", api_base: mock.url, api_key: "g-test-key", drop_params: true } },
        { model_name: "llama-lenient", litellm_params: { model: "ollama_chat/llama3.2", api_base: mock.url, drop_params: true } },
      ],
    },
    // The debug line drop_params writes is checked below.
    env: { LITELLM_LOG: "DEBUG" },
  });
  client = openaiClient(gateway.url, "unused");
  gatewayUrl = gateway.url;
  gatewayOutput = () => gateway.output();
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
let gatewayOutput: () => string = () => "";

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

describe("tool calls from each provider reach the OpenAI client as OpenAI's", () => {
  const weather = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
  const clock = { type: "function" as const, function: { name: "get_time", parameters: { type: "object" } } };
  const calls = [
    { name: "get_weather", args: { city: "Hanoi" } },
    { name: "get_time", args: {} },
  ];
  const expected = (ids: readonly string[]) => [
    { id: ids[0], type: "function", function: { name: "get_weather", arguments: '{"city":"Hanoi"}' } },
    { id: ids[1], type: "function", function: { name: "get_time", arguments: "{}" } },
  ];

  for (const [group, route, ids] of [
    ["llama-chat", "ollama /api/chat", ["call_0", "call_1"]],
    ["gemini-flash", "gemini", ["call_0", "call_1"]],
    ["gpt", "openai chat", ["call_mock_0", "call_mock_1"]],
  ] as const) {
    it(`${group}: whole and streamed (one call per upstream chunk), accumulated by the client's stream helper`, async () => {
      const request = { model: group, messages: [{ role: "user" as const, content: "Weather and time in Hanoi?" }], tools: [weather, clock] };
      mock.faults.push({ toolCalls: calls, route, times: 2 });
      const whole = await client.chat.completions.create(request);
      expect(whole.choices[0]?.finish_reason).toBe("tool_calls");
      expect(whole.choices[0]?.message.tool_calls).toEqual(expected(ids));
      const streamed = await client.chat.completions.stream(request).finalChatCompletion();
      expect(streamed.choices[0]?.finish_reason).toBe("tool_calls");
      expect(streamed.choices[0]?.message.tool_calls).toEqual(expected(ids));
    });
  }
});

describe("images in chat messages: sent inline, or refused by part, never left out", () => {
  const PNG = "iVBORw0KGgo=";
  const question = (image: string): OpenAI.ChatCompletionMessageParam[] => [
    { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: image } }] },
  ];

  it("reach Ollama as the message's images and Gemini as inlineData", async () => {
    await client.chat.completions.create({ model: "llama-chat", messages: question(`data:image/png;base64,${PNG}`) });
    expect(lastRequest().body).toMatchObject({ messages: [{ role: "user", content: "What is this?", images: [PNG] }] });
    await client.chat.completions.create({ model: "gemini-flash", messages: question(`data:image/png;base64,${PNG}`) });
    expect(lastRequest().body).toMatchObject({ contents: [{ role: "user", parts: [{ text: "What is this?" }, { inlineData: { mimeType: "image/png", data: PNG } }] }] });
  });

  it("by URL: a 400 naming the part, even under drop_params, and the mock receives nothing", async () => {
    for (const model of ["llama-chat", "gemini-flash", "gemini-lenient"]) {
      const error = await client.chat.completions.create({ model, messages: question("https://example.com/cat.png") }).catch((caught: unknown) => caught);
      expect(error, model).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.BadRequestError>).param, model).toBe("messages[0].content[1]");
      expect((error as Error).message, model).toContain("an image by URL (send it inline as a base64 data: URL");
    }
    expect(mock.stats().total).toBe(0);
  });
});

describe("what a provider cannot take: a 400 naming the field and the provider, or dropped under drop_params (LiteLLM's rule)", () => {
  const user = [{ role: "user" as const, content: "x" }];
  const weather = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };

  async function refusal(body: Record<string, unknown>): Promise<InstanceType<typeof OpenAI.BadRequestError>> {
    const error = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    return error as InstanceType<typeof OpenAI.BadRequestError>;
  }

  it("gemini: logprobs and parallel_tool_calls are refused with the first one in param; the mock receives nothing", async () => {
    const error = await refusal({ model: "gemini-flash", messages: user, logprobs: true, parallel_tool_calls: false });
    expect(error.status).toBe(400);
    expect(error.param).toBe("logprobs");
    expect(error.message).toContain("gemini does not support the parameters 'logprobs', 'parallel_tool_calls' (model group 'gemini-flash'");
    expect(error.message).toContain("litellm_settings.drop_params: true");
    expect(mock.stats().total).toBe(0);
  });

  it("gemini: tools:'x' (the audit's case, once silently dropped) is a 400 naming 'tools'; a custom tool names the provider", async () => {
    expect((await refusal({ model: "gemini-flash", messages: user, tools: "x" })).param).toBe("tools");
    const custom = await refusal({ model: "gemini-flash", messages: user, tools: [{ type: "custom", custom: { name: "grep" } }] });
    expect(custom.param).toBe("tools");
    expect(custom.message).toContain("(gemini takes function tools only)");
    expect(mock.stats().total).toBe(0);
  });

  it("ollama_chat: malformed tools are a 400, no longer forwarded; tool_choice 'required' names what Ollama takes", async () => {
    expect((await refusal({ model: "llama-chat", messages: user, tools: [{ type: "function", function: { parameters: {} } }] })).param).toBe("tools[0].function.name");
    const required = await refusal({ model: "llama-chat", messages: user, tools: [weather], tool_choice: "required" });
    expect(required.param).toBe("tool_choice");
    expect(required.message).toContain("'tool_choice' = 'required' (ollama_chat takes 'auto' or 'none')");
    expect((await refusal({ model: "llama-generate", messages: user, tools: [weather] })).message).toContain("ollama does not support the parameter 'tools'");
    expect(mock.stats().total).toBe(0);
  });

  it("gemini: tools, tool_choice and a JSON Schema response format are translated, not dropped", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    await client.chat.completions.create({
      model: "gemini-flash",
      messages: user,
      tools: [weather],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      response_format: { type: "json_schema", json_schema: { name: "city", schema, strict: true } },
      presence_penalty: 0.5,
    });
    expect(lastRequest().body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: weather.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
      generationConfig: { responseMimeType: "application/json", responseJsonSchema: schema, presencePenalty: 0.5 },
    });
  });

  it("ollama_chat: response_format json_object becomes format 'json', tools go as sent", async () => {
    await client.chat.completions.create({ model: "llama-chat", messages: user, response_format: { type: "json_object" }, tools: [weather], tool_choice: "auto" });
    expect(lastRequest().body).toMatchObject({ format: "json", tools: [weather] });
  });

  it("ollama_chat: a tool round trip goes in Ollama's shape (arguments as an object, the result named by tool_name)", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      ...user,
      { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Hanoi"}' } }] },
      { role: "tool", tool_call_id: "call_0", content: "31 °C" },
    ];
    const result = await client.chat.completions.create({ model: "llama-chat", messages, tools: [weather] });
    expect(result.choices[0]?.message.content).toContain("mock response");
    expect(lastRequest().body).toMatchObject({
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Hanoi" } } }] },
        { role: "tool", content: "31 °C", tool_name: "get_weather" },
      ],
    });
    const before = mock.stats().total;
    const bad = await refusal({ model: "llama-chat", messages: [...user, { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "Hanoi" } }] }] });
    expect(bad.param).toBe("messages[1].tool_calls[0].function.arguments");
    expect(bad.message).toContain("must be a JSON object");
    expect(mock.stats().total).toBe(before);
  });

  it("drop_params: the request goes without the fields, which are logged at debug and counted", async () => {
    const result = await client.chat.completions.create({ model: "gemini-lenient", messages: user, temperature: 0.2, logprobs: true, parallel_tool_calls: false, response_format: { type: "json_object" } });
    expect(result.choices[0]?.message.content).toContain("mock response");
    const sent = lastRequest();
    expect(sent.route).toBe("gemini generateContent");
    expect(sent.body).toEqual({ contents: [{ role: "user", parts: [{ text: "x" }] }], generationConfig: { temperature: 0.2, responseMimeType: "application/json" } });
    await client.chat.completions.create({ model: "llama-lenient", messages: user, tools: [weather], tool_choice: "required", n: 1 });
    expect(lastRequest().body).toEqual({ model: "llama3.2", stream: false, messages: [{ role: "user", content: "x" }], tools: [weather] });
    await expect.poll(gatewayOutput).toContain("drop_params: 'logprobs', 'parallel_tool_calls' left out of the request to deployment");
    const scrape = await (await fetch(`${gatewayUrl}/metrics`)).text();
    const dropped = (param: string, group: string) =>
      scrape.split("\n").find((line) => line.startsWith("pharos_params_dropped_total{") && line.includes(`gen_ai_request_model="${group}"`) && line.includes(`pharos_request_param="${param}"`));
    expect(dropped("logprobs", "gemini-lenient")).toMatch(/ 1$/);
    expect(dropped("parallel_tool_calls", "gemini-lenient")).toMatch(/ 1$/);
    expect(dropped("tool_choice", "llama-lenient")).toMatch(/ 1$/);
  });

  it("voyage: an embedding field it has no use for is refused, user is the gateway's", async () => {
    const response = await fetch(`${gatewayUrl}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "voyage", input: "x", user: "u-1", style: "short" }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: "style", code: "400", type: "invalid_request_error", message: expect.stringContaining("voyage does not support the parameter 'style' (not an OpenAI parameter)") } });
    expect(mock.stats().total).toBe(0);
    await client.embeddings.create({ model: "voyage", input: "x", user: "u-1" });
    expect(lastRequest().body).not.toHaveProperty("user");
  });
});
