import { describe, expect, it } from "vitest";
import { SUPPORTED_PROVIDERS, resolveModel } from "./registry.ts";
import type { ProviderEntry } from "./registry.ts";

function entryOf(prefix: string): ProviderEntry {
  const resolved = resolveModel(`${prefix}/some-model`);
  if ("error" in resolved) throw new Error(resolved.error);
  return resolved.provider;
}

describe("provider registry: what Pharos knows per provider kind", () => {
  it("marks the providers that run models on the operator's own hardware (free: no list price)", () => {
    const local = SUPPORTED_PROVIDERS.filter((prefix) => entryOf(prefix).localModel);
    expect(local.sort()).toEqual(["fake", "hosted_vllm", "ollama", "ollama_chat"]);
  });

  it("lets the seed's health_check.endpoint replace the probe path of Ollama deployments only", () => {
    const configurable = SUPPORTED_PROVIDERS.filter((prefix) => entryOf(prefix).healthCheckEndpoint);
    expect(configurable.sort()).toEqual(["ollama", "ollama_chat"]);
  });

  it("resolves an unprefixed model to OpenAI and names the supported prefixes for an unknown one", () => {
    expect(entryOf("openai").adapter.kind).toBe("openai");
    const bare = resolveModel("gpt-4o");
    expect("error" in bare ? undefined : bare.provider.adapter.kind).toBe("openai");
    expect(resolveModel("nope/model")).toEqual({ error: expect.stringContaining("ollama_chat/") });
  });
});
