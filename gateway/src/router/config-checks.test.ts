import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/load.ts";
import { parseConfigText } from "../config/load.ts";
import { removeTempDirs, tempDir } from "../../../tests/support/temp-dir.ts";
import { loadConfigChecked, routerChecks } from "./config-checks.ts";

afterAll(() => removeTempDirs());

async function problemsOfFile(text: string): Promise<readonly string[]> {
  const file = join(tempDir(), "config.yaml");
  writeFileSync(file, text);
  try {
    await loadConfigChecked(file, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("the router's checks of a config", () => {
  it("run on what parsed when the schema found problems, so one run lists them all", async () => {
    const problems = await problemsOfFile(`
model_list:
  - model_name: a
    litellm_params: { model: bedrock/claude, rpm: -1 }
  - model_name: b
    litellm_params: { model: hosted_vllm/llama, api_base: not-a-url }
litellm_settings:
  fallbacks: [{ a: [nope] }]
router_settings:
  num_retires: 2
`);
    expect(problems).toEqual([
      "model_list[0].litellm_params.rpm: expected an integer >= 1",
      "model_list[1].litellm_params.api_base: expected a URL",
      'router_settings.num_retires: unknown key (did you mean "num_retries"?)',
      expect.stringMatching(/^model_list\[0\]\.litellm_params\.model: provider "bedrock" is not supported/),
      // Not "api_base: required for hosted_vllm/ models": the schema took the bad value out and said so.
      'litellm_settings.fallbacks[0].a: fallback "nope" is not a model group in model_list',
    ]);
  });

  it("find litellm_settings' fallbacks to unknown groups in a config the schema accepts", async () => {
    const loaded = parseConfigText("model_list:\n  - model_name: a\n    litellm_params: { model: openai/gpt-4o }\nlitellm_settings:\n  default_fallbacks: [nope]\n", "t", {});
    expect(await routerChecks(loaded.config, {})).toMatchObject({
      problems: ['litellm_settings.default_fallbacks[0]: "nope" is not a model group in model_list'],
      groups: 1,
      deployments: 1,
    });
  });

  it("leave a good config alone", async () => {
    const file = join(tempDir(), "good.yaml");
    writeFileSync(file, "model_list:\n  - model_name: a\n    litellm_params: { model: openai/gpt-4o }\n");
    expect((await loadConfigChecked(file, {})).config.model_list).toHaveLength(1);
  });
});
