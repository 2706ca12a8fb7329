/**
 * A deployment's own litellm_params reaching its upstream (sampling defaults, extra_headers,
 * organization), router_settings.model_group_alias and tag-based routing, end to end: a real
 * `pharos serve` with the embedded database, a mock upstream recording what it received, the
 * official openai client.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockUpstream, RecordedRequest } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { openaiClient } from "../../tests/support/openai-client.ts";
import { removeTempDirs, tempDir } from "../../tests/support/temp-dir.ts";

const MASTER = "sk-params-master";
let mock: MockUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  mock = await startMock();
  gateway = await startGateway({
    env: { PHAROS_DATA_DIR: tempDir("pharos-params-") },
    config: {
      model_list: [
        {
          model_name: "tuned",
          litellm_params: {
            model: "openai/tuned-model",
            api_base: `${mock.url}/v1`,
            api_key: "sk-upstream",
            temperature: 0.2,
            max_tokens: 64,
            stop: ["\n\n"],
            organization: "org-pharos",
            extra_headers: { "X-Tenant": "lighthouse" },
          },
        },
        { model_name: "plain", litellm_params: { model: "openai/plain-model", api_base: `${mock.url}/v1` } },
        { model_name: "embedder", litellm_params: { model: "openai/text-embedding-3-small", api_base: `${mock.url}/v1`, temperature: 0.5, extra_headers: { "X-Tenant": "embed" } } },
      ],
      router_settings: { num_retries: 0, model_group_alias: { "gpt-4": "tuned", internal: { model: "plain", hidden: true } } },
      general_settings: { master_key: MASTER },
    },
  });
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

beforeEach(() => mock.resetStats());

/** The last chat or embeddings request the mock received. */
function lastCall(): RecordedRequest {
  const call = mock.stats().requests.filter((request) => request.method === "POST").at(-1);
  expect(call).toBeDefined();
  return call!;
}

const hi = [{ role: "user" as const, content: "hi" }];

describe("a deployment's litellm_params", () => {
  it("fill the sampling parameters a request leaves out, and send extra_headers and OpenAI-Organization", async () => {
    await openaiClient(gateway.url, MASTER).chat.completions.create({ model: "tuned", messages: hi });
    const call = lastCall();
    expect(call.body).toMatchObject({ model: "tuned-model", temperature: 0.2, max_tokens: 64, stop: ["\n\n"] });
    expect(call.headers).toMatchObject({ "x-tenant": "lighthouse", "openai-organization": "org-pharos", authorization: "Bearer sk-upstream" });
  });

  it("never override what the request sets, and never send both token limits", async () => {
    await openaiClient(gateway.url, MASTER).chat.completions.create({ model: "tuned", messages: hi, temperature: 0.9, max_completion_tokens: 10 });
    const body = lastCall().body as Record<string, unknown>;
    expect(body).toMatchObject({ temperature: 0.9, max_completion_tokens: 10, stop: ["\n\n"] });
    expect(body).not.toHaveProperty("max_tokens");
  });

  it("apply to streams too", async () => {
    const stream = await openaiClient(gateway.url, MASTER).chat.completions.create({ model: "tuned", messages: hi, stream: true });
    for await (const _chunk of stream) {
      // drain
    }
    expect(lastCall().body).toMatchObject({ stream: true, temperature: 0.2, max_tokens: 64 });
  });

  it("leave deployments without them untouched, and embeddings without sampling defaults (but with their headers)", async () => {
    await openaiClient(gateway.url, MASTER).chat.completions.create({ model: "plain", messages: hi });
    const plain = lastCall();
    expect(Object.keys(plain.body as object).sort()).toEqual(["messages", "model"]);
    expect(plain.headers["x-tenant"]).toBeUndefined();
    expect(plain.headers["openai-organization"]).toBeUndefined();

    await openaiClient(gateway.url, MASTER).embeddings.create({ model: "embedder", input: "beam" });
    const embedding = lastCall();
    expect(embedding.body).not.toHaveProperty("temperature");
    expect(embedding.headers["x-tenant"]).toBe("embed");
  });

  it("send extra_headers with the health probes too", async () => {
    const response = await fetch(`${gateway.url}/health`, { headers: { authorization: `Bearer ${MASTER}` } });
    expect(response.status).toBe(200);
    const probes = mock.stats().requests.filter((request) => request.method === "GET" && request.path === "/v1/models");
    expect(probes.map((probe) => probe.headers["x-tenant"]).sort()).toEqual(["embed", "lighthouse", undefined]);
  });
});

describe("router_settings.model_group_alias", () => {
  it("serves an alias as its model group, and lists it in /v1/models unless hidden", async () => {
    const openai = openaiClient(gateway.url, MASTER);
    const { response } = await openai.chat.completions.create({ model: "gpt-4", messages: hi }).withResponse();
    expect(response.headers.get("x-litellm-model-group")).toBe("tuned");
    expect(lastCall().body).toMatchObject({ model: "tuned-model", temperature: 0.2 });

    const hidden = await openai.chat.completions.create({ model: "internal", messages: hi }).withResponse();
    expect(hidden.response.headers.get("x-litellm-model-group")).toBe("plain");

    const listed = (await openai.models.list()).data.map((model) => model.id);
    expect(listed.sort()).toEqual(["embedder", "gpt-4", "plain", "tuned"]);
    expect((await openai.models.retrieve("gpt-4")).id).toBe("gpt-4");
  });

  it("names the aliases with the groups when a model is unknown", async () => {
    const error = (await openaiClient(gateway.url, MASTER).chat.completions.create({ model: "gpt-5", messages: hi }).catch((thrown: unknown) => thrown)) as InstanceType<typeof OpenAI.NotFoundError>;
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.param).toBe("model");
    expect(error.message).toContain("Available model groups: embedder, plain, tuned, gpt-4");
  });

  it("lets a key listing an alias call that alias only, and a key listing a group call the group and its aliases", async () => {
    const keyFor = async (models: string[]): Promise<OpenAI> => {
      const generated = await fetch(`${gateway.url}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" }, body: JSON.stringify({ models }) });
      expect(generated.status).toBe(200);
      return openaiClient(gateway.url, ((await generated.json()) as { key: string }).key);
    };
    const denied = async (openai: OpenAI, model: string): Promise<number | undefined> => ((await openai.chat.completions.create({ model, messages: hi }).catch((thrown: unknown) => thrown)) as InstanceType<typeof OpenAI.APIError>).status;

    const aliasKey = await keyFor(["gpt-4"]);
    expect((await aliasKey.chat.completions.create({ model: "gpt-4", messages: hi })).choices.length).toBe(1);
    expect(await denied(aliasKey, "tuned")).toBe(401);
    expect(await denied(aliasKey, "internal")).toBe(401);
    expect((await aliasKey.models.list()).data.map((model) => model.id)).toEqual(["gpt-4"]);

    const groupKey = await keyFor(["plain"]);
    expect((await groupKey.chat.completions.create({ model: "internal", messages: hi })).choices.length).toBe(1);
    expect(await denied(groupKey, "gpt-4")).toBe(401);
    expect((await groupKey.models.list()).data.map((model) => model.id)).toEqual(["plain"]);
  });

  it("refuses a key for a name that is neither a group nor an alias, naming the field", async () => {
    const response = await fetch(`${gateway.url}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" }, body: JSON.stringify({ models: ["gpt-4", "gpt-5"] }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: "models[1]" } });
  });
});

describe("tag-based routing (router_settings.enable_tag_filtering)", () => {
  let tagged: GatewayProcess;
  const deployment = (id: string, tags: string[]) => ({ model_name: "tiered", litellm_params: { model: `openai/${id}-model`, api_base: `${mock.url}/v1`, tags }, model_info: { id } });

  beforeAll(async () => {
    tagged = await startGateway({
      config: {
        model_list: [deployment("free", ["free", "default"]), deployment("paid", ["paid"]), deployment("paid-eu", ["paid", "eu"])],
        router_settings: { enable_tag_filtering: true, routing_strategy: "round_robin", num_retries: 0 },
      },
    });
  });

  const servedBy = async (extra: Record<string, unknown>, times = 4): Promise<string[]> => {
    const served: string[] = [];
    for (let i = 0; i < times; i++) {
      const response = await fetch(`${tagged.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "tiered", messages: hi, ...extra }) });
      expect(response.status, await response.clone().text()).toBe(200);
      served.push(response.headers.get("x-litellm-model-id")!);
    }
    return [...new Set(served)].sort();
  };

  it("routes by the request's tags (body or metadata), untagged requests to the default deployments", async () => {
    expect(await servedBy({ tags: ["paid"] })).toEqual(["paid", "paid-eu"]);
    expect(await servedBy({ metadata: { tags: ["eu"] } })).toEqual(["paid-eu"]);
    expect(await servedBy({})).toEqual(["free"]);
    expect(await servedBy({ tags: ["enterprise"] })).toEqual(["free"]);
    expect(lastCall().body).not.toHaveProperty("tags");
  });

  it("answers malformed tags with a 400 naming the field, before any upstream call", async () => {
    const before = mock.stats().total;
    const openai = openaiClient(tagged.url);
    const error = (await openai.chat.completions.create({ model: "tiered", messages: hi, tags: "paid" } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((thrown: unknown) => thrown)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe("tags");
    expect(mock.stats().total).toBe(before);
  });
});

describe("litellm_params.mock_response", () => {
  let mocked: GatewayProcess;
  const TEXT = "Lighthouse keepers log every storm.";

  beforeAll(async () => {
    mocked = await startGateway({
      config: {
        model_list: [
          { model_name: "canned", litellm_params: { model: "openai/gpt-4o", mock_response: TEXT } },
          { model_name: "canned-ollama", litellm_params: { model: "ollama_chat/llama3.2", mock_response: TEXT } },
        ],
      },
    });
  });

  it("answers with that text, in the provider's own format, without calling any upstream", async () => {
    const before = mock.stats().total;
    const openai = openaiClient(mocked.url);
    for (const model of ["canned", "canned-ollama"]) {
      const { data, response } = await openai.chat.completions.create({ model, messages: hi }).withResponse();
      expect(data.choices[0]?.message.content).toBe(TEXT);
      expect(data.usage?.completion_tokens).toBeGreaterThan(0);
      expect(response.headers.get("x-litellm-model-api-base")).toBe("http://in-process.invalid");
      const stream = await openai.chat.completions.create({ model, messages: hi, stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe(TEXT);
    }
    expect(mock.stats().total).toBe(before);
  });
});

describe("litellm_params.additional_drop_params", () => {
  let trimmed: GatewayProcess;
  beforeAll(async () => {
    trimmed = await startGateway({
      config: {
        model_list: [
          { model_name: "trimmed", litellm_params: { model: "openai/trimmed-model", api_base: `${mock.url}/v1`, additional_drop_params: ["logprobs", "seed"] } },
          { model_name: "plain", litellm_params: { model: "openai/plain-model", api_base: `${mock.url}/v1` } },
        ],
      },
    });
  });

  it("keeps the listed fields from that deployment, even when its provider takes them, and leaves the rest as sent", async () => {
    const openai = openaiClient(trimmed.url);
    await openai.chat.completions.create({ model: "trimmed", messages: hi, logprobs: true, seed: 7, temperature: 0.3 });
    const sent = lastCall().body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: "trimmed-model", temperature: 0.3 });
    expect(sent).not.toHaveProperty("logprobs");
    expect(sent).not.toHaveProperty("seed");
    await openai.chat.completions.create({ model: "plain", messages: hi, logprobs: true, seed: 7 });
    expect(lastCall().body).toMatchObject({ logprobs: true, seed: 7 });
  });
});

describe("litellm_params.keep_alive (Ollama)", () => {
  let ollama: GatewayProcess;
  beforeAll(async () => {
    ollama = await startGateway({
      config: { model_list: [{ model_name: "llama", litellm_params: { model: "ollama_chat/llama3.2", api_base: mock.url, keep_alive: "10m" } }] },
    });
  });

  it("is sent to Ollama with every request that does not set its own", async () => {
    const openai = openaiClient(ollama.url);
    await openai.chat.completions.create({ model: "llama", messages: hi });
    expect(lastCall()).toMatchObject({ path: "/api/chat", body: { model: "llama3.2", keep_alive: "10m" } });
    await openai.chat.completions.create({ model: "llama", messages: hi, keep_alive: -1 } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(lastCall().body).toMatchObject({ keep_alive: -1 });
  });
});
