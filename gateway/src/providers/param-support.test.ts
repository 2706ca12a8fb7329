import { describe, expect, it } from "vitest";
import { DEPLOYMENT_REQUEST_DEFAULTS } from "../config/schema.ts";
import { gemini } from "./gemini.ts";
import { ollamaChat, ollamaGenerate } from "./ollama.ts";
import { openAiCompatible } from "./openai-compatible.ts";
import type { Operation, RequestBody } from "./openai-types.ts";
import { OPENAI_PARAMS, paramTable, unsupportedParams, unsupportedParamsError, withoutParams } from "./param-support.ts";
import type { ProviderAdapter, UpstreamTarget } from "./provider.ts";
import { voyage } from "./voyage.ts";

const chat = (extra: Record<string, unknown> = {}): RequestBody => ({ model: "g", messages: [{ role: "user", content: "hi" }], ...extra });
const table = paramTable(["messages", "temperature"], { n: { accepts: (value) => value === 1, takes: "1" } });

describe("which fields an adapter cannot send", () => {
  it("none for an OpenAI-compatible adapter, whatever the body holds", () => {
    expect(unsupportedParams(chat({ logprobs: true, guided_json: {} }), "all")).toBeUndefined();
  });

  it("none when every field is in the table (model, stream, stream_options and user always are)", () => {
    expect(unsupportedParams(chat({ temperature: 1, stream: true, stream_options: { include_usage: true }, user: "u", n: 1 }), table)).toBeUndefined();
  });

  it("the fields outside the table, and the values a rule does not take, in body order", () => {
    expect(unsupportedParams(chat({ logprobs: true, temperature: 1, n: 2, top_k: 4 }), table)).toEqual(["logprobs", "n", "top_k"]);
  });

  it("never a field set to null or undefined (not sent, as OpenAI and LiteLLM read it)", () => {
    expect(unsupportedParams(chat({ logprobs: null, n: null, top_k: undefined }), table)).toBeUndefined();
  });

  it("an operation the adapter does not serve takes nothing but the always-taken fields", () => {
    expect(unsupportedParams({ model: "v", messages: [] }, voyage.params.chat)).toEqual(["messages"]);
  });
});

describe("the unsupported-parameters error", () => {
  const deployment = { id: "gem-1", group: "flash", model: "gemini/gemini-2.0-flash", adapter: gemini };

  it("is a 400 naming the first field in param, every field and the provider in the message, and how to drop them", () => {
    const body = chat({ parallel_tool_calls: false, guided_json: {}, tools: [{ type: "custom", custom: { name: "grep" } }] });
    const error = unsupportedParamsError(deployment, "chat", body, ["parallel_tool_calls", "guided_json", "tools"]);
    expect(error.toBody().error).toMatchObject({ type: "invalid_request_error", param: "parallel_tool_calls", code: "400" });
    expect(error).toMatchObject({ code: "unsupported_params", status: 400, retryable: false, coolsDown: false });
    expect(error.message).toBe(
      "gemini does not support the parameters 'parallel_tool_calls', 'guided_json' (not an OpenAI parameter), 'tools' = a list (gemini takes function tools only) " +
        "(model group 'flash', deployment 'gem-1': gemini/gemini-2.0-flash). Leave them out, or set litellm_settings.drop_params: true " +
        "(or drop_params in this deployment's litellm_params) to have unsupported parameters dropped",
    );
  });

  it("says 'it' for one field", () => {
    expect(unsupportedParamsError(deployment, "chat", chat({ logprobs: true }), ["logprobs"]).message).toMatch(/^gemini does not support the parameter 'logprobs' \(.*\)\. Leave it out/);
  });
});

describe("drop_params", () => {
  it("sends a copy without the fields; the client's body stays whole for other deployments", () => {
    const body = chat({ logprobs: true, temperature: 1 });
    const kept = withoutParams(body, ["logprobs"]);
    expect(kept).toEqual(chat({ temperature: 1 }));
    expect(body).toEqual(chat({ logprobs: true, temperature: 1 }));
  });
});

// -- every adapter's declaration -----------------------------------------------------------------

const target: UpstreamTarget = { model: "m", basePath: "", baseQuery: "", apiKey: "k" };
const ADAPTERS: ProviderAdapter[] = [gemini, ollamaChat, ollamaGenerate, voyage];

/** Fields that never change the upstream body: the gateway handles them, or they shape the answer Pharos returns. */
const NOT_IN_REQUEST_BODY = new Set(["model", "stream", "stream_options", "user", "messages", "prompt", "input", "encoding_format"]);

const SAMPLES: Readonly<Record<string, unknown>> = {
  max_tokens: 7,
  max_completion_tokens: 7,
  temperature: 0.3,
  top_p: 0.3,
  top_k: 3,
  n: 2,
  seed: 3,
  stop: ["x"],
  presence_penalty: 0.5,
  frequency_penalty: 0.5,
  response_format: { type: "json_object" },
  tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
  tool_choice: "required",
  repeat_penalty: 1.1,
  num_ctx: 100,
  keep_alive: "1m",
  think: true,
  suffix: "end",
  dimensions: 8,
  input_type: "query",
  truncation: true,
  output_dtype: "int8",
};

const BASES: Readonly<Record<Operation, RequestBody>> = { chat: chat(), text_completion: { model: "g", prompt: "p" }, embeddings: { model: "g", input: ["a"] } };

function sentBody(adapter: ProviderAdapter, op: Operation, body: RequestBody): string | undefined {
  return adapter.buildRequest(op, body, target, false).body;
}

describe("every adapter's declared fields", () => {
  const cases = ADAPTERS.flatMap((adapter) =>
    [...adapter.operations].flatMap((op) => {
      const support = adapter.params[op];
      if (support === "all") return [];
      return [...support.entries()].filter(([name]) => !NOT_IN_REQUEST_BODY.has(name)).map(([name, rule]) => ({ adapter, op, name, rule }));
    }),
  );

  it.each(cases.map((entry) => [entry.adapter.kind, entry.op, entry.name, entry] as const))("%s %s: '%s' reaches the upstream request (nothing declared is dropped)", (_kind, op, name, entry) => {
    const sample = SAMPLES[name];
    expect(sample, `add a sample value for '${name}'`).toBeDefined();
    // A rule that takes only the provider's own behaviour (Ollama's n: 1, tool_choice "auto") changes nothing by design.
    if (entry.rule !== true && !entry.rule.accepts(sample)) return;
    const base = BASES[op];
    const extra = name === "tool_choice" ? { tools: SAMPLES["tools"] } : {};
    expect(sentBody(entry.adapter, op, { ...base, ...extra, [name]: sample } as RequestBody)).not.toBe(sentBody(entry.adapter, op, { ...base, ...extra } as RequestBody));
  });

  it("include the deployment request defaults (litellm_params temperature, max_tokens, …) for chat and completions", () => {
    for (const adapter of ADAPTERS) {
      for (const op of ["chat", "text_completion"] as const) {
        if (!adapter.operations.has(op)) continue;
        const body = { ...BASES[op], ...Object.fromEntries(DEPLOYMENT_REQUEST_DEFAULTS.map((name) => [name, SAMPLES[name]])) } as RequestBody;
        const unsupported = (unsupportedParams(body, adapter.params[op]) ?? []).filter((name) => !(op === "text_completion" && name === "max_completion_tokens"));
        expect(unsupported, `${adapter.kind} ${op}`).toEqual([]);
      }
    }
  });

  it("name only OpenAI parameters or the provider's own fields", () => {
    const own = new Set(["top_k", "repeat_penalty", "num_ctx", "keep_alive", "think", "input_type", "truncation", "output_dtype"]);
    for (const adapter of ADAPTERS) {
      for (const support of Object.values(adapter.params)) {
        if (support === "all") continue;
        for (const name of support.keys()) expect(OPENAI_PARAMS.has(name) || own.has(name), `${adapter.kind}: ${name}`).toBe(true);
      }
    }
  });

  it("OpenAI-compatible adapters take everything", () => {
    expect(openAiCompatible("openai", "openai").params).toEqual({ chat: "all", text_completion: "all", embeddings: "all" });
  });
});
