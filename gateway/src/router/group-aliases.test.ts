import { describe, expect, it } from "vitest";
import { ConfigError, parseConfigText } from "../config/load.ts";
import { aliasProblems, groupAliasesOf } from "./group-aliases.ts";

const config = (aliases: string) =>
  parseConfigText(
    `model_list:
  - { model_name: gpt-4o, litellm_params: { model: openai/gpt-4o, api_base: "http://a.test/v1" } }
  - { model_name: llama, litellm_params: { model: ollama_chat/llama3.2, api_base: "http://b.test" } }
router_settings:
  model_group_alias: ${aliases}
`,
    "test",
    {},
  );

describe("router_settings.model_group_alias", () => {
  it("maps aliases to groups in both of LiteLLM's forms, listing only those not hidden", () => {
    const loaded = config(`{ gpt-4: gpt-4o, local: { model: llama }, internal: { model: gpt-4o, hidden: true } }`);
    expect(loaded.warnings.filter((warning) => warning.includes("model_group_alias"))).toEqual([]);
    const aliases = groupAliasesOf(loaded.config);
    expect(Object.fromEntries(aliases.targets)).toEqual({ "gpt-4": "gpt-4o", local: "llama", internal: "gpt-4o" });
    expect(aliases.listed).toEqual(["gpt-4", "local"]);
    expect(aliasProblems(loaded.config)).toEqual([]);
  });

  it("refuses an alias of a group that does not exist, and an alias that is a group itself, naming the path", () => {
    let error: unknown;
    try {
      config(`{ gpt-4: gpt-5, llama: { model: gpt-4o } }`);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toContain('router_settings.model_group_alias.gpt-4: "gpt-5" is not a model group in model_list');
    expect(problems).toContain('router_settings.model_group_alias.llama: "llama" is already a model group; an alias must be a new name');
  });

  it("refuses a malformed entry by its path", () => {
    expect(() => config(`{ gpt-4: { name: gpt-4o } }`)).toThrow(/router_settings\.model_group_alias\.gpt-4/);
  });
});
