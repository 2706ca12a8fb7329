/**
 * The probe request each deployment gets, with a transport that records instead of sending.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import type { UpstreamRequest } from "../providers/provider.ts";
import type { Transport, UpstreamResponse } from "../providers/transport.ts";
import { buildDeployments } from "./deployments.ts";
import { probeDeployment } from "./health-probe.ts";

function recording(): { transport: Transport; paths: string[] } {
  const paths: string[] = [];
  async function* nothing(): AsyncGenerator<string> {}
  const answer: UpstreamResponse = { status: 200, headers: {}, body: nothing(), text: () => Promise.resolve('{"models": [], "data": []}'), discard: () => undefined };
  const transport: Transport = {
    request: (request: UpstreamRequest) => {
      paths.push(`${request.method} ${request.path}`);
      return Promise.resolve(answer);
    },
    stats: () => undefined,
    close: () => Promise.resolve(),
  };
  return { transport, paths };
}

const CONFIG = `
model_list:
  - { model_name: llama, litellm_params: { model: ollama_chat/llama3.2, api_base: "http://ollama.test:11434/base?x=1" }, model_info: { id: chat } }
  - { model_name: llama, litellm_params: { model: ollama/llama3.2, api_base: "http://ollama.test:11434" }, model_info: { id: generate } }
  - { model_name: gpt, litellm_params: { model: openai/gpt-4o, api_base: "http://openai.test/v1", api_key: k } }
  - { model_name: vllm, litellm_params: { model: hosted_vllm/qwen, api_base: "http://vllm.test/v1" } }
`;

async function probedPaths(endpoint: string | undefined): Promise<string[]> {
  const { transport, paths } = recording();
  const { table, problems } = buildDeployments(parseConfigText(CONFIG, "test", {}).config, {}, { http: () => transport, inProcess: () => transport });
  expect(problems).toEqual([]);
  for (const deployment of table.all) expect((await probeDeployment(deployment, { timeoutMs: 1000, endpoint, expectedField: undefined })).healthy).toBe(true);
  return paths;
}

describe("health probe requests", () => {
  it("uses each provider's own cheap call", async () => {
    expect(await probedPaths(undefined)).toEqual(["GET /base/api/tags", "GET /api/tags", "GET /v1/models", "GET /v1/models"]);
  });

  it("sends Ollama deployments to the seed's health_check.endpoint, and only them", async () => {
    expect(await probedPaths("/api/version")).toEqual(["GET /base/api/version?x=1", "GET /api/version", "GET /v1/models", "GET /v1/models"]);
    expect(await probedPaths("api/ps")).toEqual(["GET /base/api/ps?x=1", "GET /api/ps", "GET /v1/models", "GET /v1/models"]);
  });
});
