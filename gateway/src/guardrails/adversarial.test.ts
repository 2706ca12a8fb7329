import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import { createGuardrails } from "./guardrails.ts";
import { ScanText } from "./scanner.ts";

// Inputs that made earlier versions of some patterns backtrack quadratically (seconds for 50 KB).
// No timing is asserted: a regression shows up as this test hitting its timeout.
const UNITS = [" ", " \n", "-", "a.", "sk-", "    x = (1);\n", "password=", "https://", "for (;;;;;;", "eyJaaaaaaaaaaaa.", "忽略之前的所有", "aws secret "];

describe("scanners on adversarial input", () => {
  const loaded = parseConfigText(
    `model_list:
  - model_name: m
    litellm_params: { model: openai/gpt-4o, api_base: "http://127.0.0.1:9/v1" }
llm_guard:
  input_scanning:
    scanners: [{ BanSubstrings: { substrings: [zzz, a b], match_type: word } }, PromptInjection, Toxicity, { Secrets: { redact: true } }, { TokenLimit: { limit: 100000000 } }]
  output_scanning:
    scanners: [BanSubstrings, Toxicity, MaliciousURLs, NoRefusal, NoCode]
`,
    "test.yaml",
    {},
  );
  const guardrails = createGuardrails(loaded.config, { logger: pino({ level: "silent" }) })!;
  const scanners = [...guardrails.catalog.defaults.input, ...guardrails.catalog.defaults.output];

  it("every scanner finishes on 50 KB of each repeated pattern", { timeout: 20_000 }, () => {
    for (const unit of UNITS) {
      const text = unit.repeat(Math.ceil(50_000 / unit.length));
      for (const scanner of scanners) expect(["allow", "block", "redact"], `${scanner.name} on ${JSON.stringify(unit)}`).toContain(scanner.scan(new ScanText(text)).action);
    }
  });
});
