import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import { GatewayError } from "../errors.ts";
import { takeGatewayParams } from "../http/gateway-params.ts";
import type { Transport } from "../providers/transport.ts";
import { buildDeployments } from "./deployments.ts";
import type { Deployment } from "./deployments.ts";
import { tagCandidates } from "./tag-filter.ts";

const transport: Transport = { request: () => Promise.reject(new Error("no I/O")), stats: () => undefined, close: () => Promise.resolve() };

function group(entries: string): readonly Deployment[] {
  const { table, problems } = buildDeployments(parseConfigText(`model_list:\n${entries}`, "test", {}).config, {}, { http: () => transport, inProcess: () => transport });
  expect(problems).toEqual([]);
  return table.all;
}

const ids = (deployments: readonly Deployment[]): string[] => deployments.map((deployment) => deployment.id);

describe("tag-based routing (router_settings.enable_tag_filtering)", () => {
  const tiered = group(`
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://a.test/v1", tags: [free, default] }, model_info: { id: free } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://b.test/v1", tags: [paid] }, model_info: { id: paid } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://c.test/v1", tags: [paid, eu] }, model_info: { id: paid-eu } }
`);

  it("sends a request to the deployments carrying any of its tags", () => {
    expect(ids(tagCandidates("g", tiered, ["paid"]))).toEqual(["paid", "paid-eu"]);
    expect(ids(tagCandidates("g", tiered, ["eu", "nope"]))).toEqual(["paid-eu"]);
  });

  it("sends untagged requests, and tags nobody carries, to the default-tagged deployments", () => {
    expect(ids(tagCandidates("g", tiered, undefined))).toEqual(["free"]);
    expect(ids(tagCandidates("g", tiered, []))).toEqual(["free"]);
    expect(ids(tagCandidates("g", tiered, ["enterprise"]))).toEqual(["free"]);
  });

  it("without default deployments: untagged requests use all, unmatched tags are a 400 naming `tags`", () => {
    const plain = tiered.filter((deployment) => deployment.id !== "free");
    expect(ids(tagCandidates("g", plain, undefined))).toEqual(["paid", "paid-eu"]);
    let error: unknown;
    try {
      tagCandidates("g", plain, ["enterprise"]);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: "invalid_request", status: 400, param: "tags" });
    expect((error as GatewayError).message).toBe("No deployment of model group 'g' has any of the tags 'enterprise' (its deployments' tags: eu, paid)");
  });
});

describe("deployment tags without enable_tag_filtering", () => {
  it("load with one warning saying they are ignored for routing", () => {
    const text = `model_list:\n  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://a.test/v1", tags: [paid] } }\n`;
    expect(parseConfigText(text, "test", {}).warnings).toContain("model_list[].litellm_params.tags: ignored for routing until router_settings.enable_tag_filtering is true");
    const enabled = parseConfigText(`${text}router_settings: { enable_tag_filtering: true }\n`, "test", {});
    expect(enabled.warnings.filter((warning) => warning.includes("tags"))).toEqual([]);
  });
});

describe("request tags", () => {
  it("come from `tags` or `metadata.tags`, and never reach the upstream", () => {
    const body: Record<string, unknown> = { model: "g", messages: [], tags: ["paid"] };
    expect(takeGatewayParams(body).tags).toEqual(["paid"]);
    expect(body).not.toHaveProperty("tags");
    expect(takeGatewayParams({ model: "g", metadata: { tags: ["eu"], user: "x" } }).tags).toEqual(["eu"]);
  });

  it("must be a list of strings, named in the error", () => {
    expect(() => takeGatewayParams({ tags: "paid" })).toThrow(expect.objectContaining({ status: 400, param: "tags" }));
    expect(() => takeGatewayParams({ metadata: { tags: [1] } })).toThrow(expect.objectContaining({ param: "metadata.tags" }));
  });
});
