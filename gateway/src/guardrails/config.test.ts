import { resolve } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfigFile, parseConfigText } from "../config/load.ts";
import { guardrailSpecs } from "./config.ts";
import { createGuardrails, DEFAULT_STREAM_WINDOW_CHARS } from "./guardrails.ts";

const SEED_001 = resolve(import.meta.dirname, "../../test/fixtures/seed-configs/seed-001-load-balancing.yaml");
const silent = pino({ level: "silent" });
const MODEL = "model_list:\n  - model_name: m\n    litellm_params: { model: openai/gpt-4o, api_base: http://127.0.0.1:9/v1 }\n";

function problemsOf(yaml: string): string[] {
  try {
    parseConfigText(MODEL + yaml, "test.yaml", {});
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
  return [];
}

describe("the seed's llm_guard block", () => {
  it("loads, and becomes ten default-on guardrails (five input, five output)", () => {
    const loaded = loadConfigFile(SEED_001, { OLLAMA_API_BASE: "http://127.0.0.1:11434" });
    expect(loaded.warnings).toContain("llm_guard: translated to 10 default-on entries of the top-level guardrails list");
    expect(loaded.warnings.filter((warning) => warning.includes("has no substrings configured"))).toHaveLength(2);
    const specs = guardrailSpecs(loaded.config);
    expect(specs.map((spec) => `${spec.name}:${spec.phases.join("+")}`)).toEqual([
      "BanSubstrings:input",
      "PromptInjection:input",
      "Toxicity:input",
      "Secrets:input",
      "TokenLimit:input",
      "BanSubstrings:output",
      "Toxicity:output",
      "MaliciousURLs:output",
      "NoRefusal:output",
      "NoCode:output",
    ]);
    expect(specs.every((spec) => spec.defaultOn)).toBe(true);
    const guardrails = createGuardrails(loaded.config, { logger: silent });
    expect(guardrails?.catalog.defaults.input.map((scanner) => scanner.kind)).toEqual(["ban_substrings", "prompt_injection", "toxicity", "secrets", "token_limit"]);
    expect(guardrails?.catalog.defaults.output.map((scanner) => scanner.kind)).toEqual(["ban_substrings", "toxicity", "malicious_urls", "no_refusal", "no_code"]);
    expect(guardrails?.settings).toEqual({ multilingualErrors: true, inputDeadlineMs: 50, outputDeadlineMs: 50, streamWindowChars: DEFAULT_STREAM_WINDOW_CHARS });
  });

  it("takes scanner options, phase deadlines and fail modes", () => {
    const loaded = parseConfigText(
      `${MODEL}llm_guard:
  input_scanning:
    deadline_ms: 5
    fail_mode: open
    scanners:
      - BanSubstrings: { substrings: [a-very-long-banned-substring-of-forty-chars-xx], match_type: word }
      - PromptInjection: { threshold: 0.8, fail_mode: closed }
  output_scanning:
    stream_window_chars: 16
    scanners: [NoCode]
`,
      "test.yaml",
      {},
    );
    const guardrails = createGuardrails(loaded.config, { logger: silent })!;
    expect(guardrails.catalog.defaults.input.map((scanner) => [scanner.name, scanner.failMode])).toEqual([
      ["BanSubstrings", "open"],
      ["PromptInjection", "closed"],
    ]);
    expect(guardrails.settings.inputDeadlineMs).toBe(5);
    // The window grows to hold the longest banned substring.
    expect(guardrails.settings.streamWindowChars).toBe(46);
  });

  it("adds nothing when disabled", () => {
    const loaded = parseConfigText(`${MODEL}llm_guard:\n  enabled: false\n  input_scanning: { scanners: [PromptInjection] }\n`, "test.yaml", {});
    expect(createGuardrails(loaded.config, { logger: silent })).toBeUndefined();
  });

  it("reports mistakes with their config path", () => {
    expect(problemsOf("llm_guard:\n  input_scanning:\n    scanners: [NoCode, PromptInjecton]\n    deadlin_ms: 3\n")).toEqual([
      "llm_guard.input_scanning.scanners[0]: NoCode does not scan this phase (it is not one of BanSubstrings, PromptInjection, Toxicity, Secrets, TokenLimit)",
      "llm_guard.input_scanning.scanners[1]: expected a scanner name (BanSubstrings, PromptInjection, Toxicity, Secrets, TokenLimit) or a one-key mapping { Name: { options } }",
      'llm_guard.input_scanning.deadlin_ms: unknown key (did you mean "deadline_ms"?)',
    ]);
    expect(problemsOf("llm_guard:\n  output_scanning:\n    scanners:\n      - MaliciousURLs: { threshold: 2 }\n      - NoRefusal: { treshold: 0.5 }\n")).toEqual([
      "llm_guard.output_scanning.scanners[0].MaliciousURLs.threshold: expected a number from 0 to 1",
      "llm_guard.output_scanning.scanners[1].NoRefusal.treshold: unknown key",
    ]);
  });
});

describe("LiteLLM's guardrails: list", () => {
  it("accepts Pharos ids and LLM Guard names, modes as a string or a list, and default_on", () => {
    const loaded = parseConfigText(
      `${MODEL}guardrails:
  - guardrail_name: no-secrets
    litellm_params: { guardrail: Secrets, mode: pre_call, default_on: true, redact: true, redact_mode: partial }
  - guardrail_name: words
    litellm_params: { guardrail: ban_substrings, mode: [pre_call, post_call], substrings: [acme] }
  - guardrail_name: parallel
    litellm_params: { guardrail: prompt_injection, mode: during_call }
    guardrail_info: { owner: security }
`,
      "test.yaml",
      {},
    );
    const specs = guardrailSpecs(loaded.config);
    expect(specs.map((spec) => [spec.name, spec.kind, spec.phases, spec.defaultOn])).toEqual([
      ["no-secrets", "secrets", ["input"], true],
      ["words", "ban_substrings", ["input", "output"], false],
      ["parallel", "prompt_injection", ["input"], false],
    ]);
    expect(specs[0]?.options).toEqual({ redact: true, redact_mode: "partial" });
  });

  it("uses hide-secrets (LiteLLM's name) as a redacting Secrets scanner", () => {
    const loaded = parseConfigText(`${MODEL}guardrails:\n  - guardrail_name: hide\n    litellm_params: { guardrail: hide-secrets, mode: pre_call, default_on: true }\n`, "test.yaml", {});
    const scanner = createGuardrails(loaded.config, { logger: silent })!.catalog.defaults.input[0]!;
    expect(scanner.kind).toBe("secrets");
  });

  it("reports unsupported integrations, wrong phases, duplicates and unknown options with their path", () => {
    expect(
      problemsOf(`guardrails:
  - guardrail_name: a
    litellm_params: { guardrail: aporia, mode: pre_call, api_key: x }
  - guardrail_name: b
    litellm_params: { guardrail: secrets, mode: post_call }
  - guardrail_name: c
    litellm_params: { guardrail: no_code, mode: post_call, treshold: 1 }
  - guardrail_name: d
    litellm_params: { guardrail: toxicity, mode: post_call }
  - guardrail_name: d
    litellm_params: { guardrail: no_code, mode: post_call }
`),
    ).toEqual([
      expect.stringMatching(/^guardrails\[0\]\.litellm_params\.guardrail: unknown guardrail: Pharos provides ban_substrings, .* LiteLLM's hosted integrations \(aporia, lakera, lakera_v2, presidio, …\) are not supported$/),
      "guardrails[2].litellm_params.treshold: unknown key",
    ]);
    expect(
      problemsOf(`guardrails:
  - guardrail_name: b
    litellm_params: { guardrail: secrets, mode: post_call }
  - guardrail_name: d
    litellm_params: { guardrail: toxicity, mode: post_call }
  - guardrail_name: d
    litellm_params: { guardrail: no_code, mode: [post_call] }
`),
    ).toEqual([
      "guardrails[0]: secrets scans input only; mode post_call asks it to scan output",
      'guardrails[2]: guardrail name "d" already has an output scanner (guardrails[1])',
    ]);
  });

  it("accepts logging_only with a warning (it has nothing to do)", () => {
    const loaded = parseConfigText(`${MODEL}guardrails:\n  - guardrail_name: log\n    litellm_params: { guardrail: toxicity, mode: logging_only }\n`, "test.yaml", {});
    expect(loaded.warnings).toContain("guardrails[0]: mode logging_only does not run (Pharos never logs message content, so there is nothing to mask)");
    expect(createGuardrails(loaded.config, { logger: silent })).toBeUndefined();
  });
});
