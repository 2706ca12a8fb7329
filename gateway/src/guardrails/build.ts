/**
 * Builds the scanners of every configured guardrail, once, at boot: the one switch on scanner
 * kind. Options were validated by the config schema (config/schema.ts, scannerOptionShapes).
 */
import type { FailMode, GuardrailSpec } from "./config.ts";
import type { Phase } from "./kinds.ts";
import type { Scanner, ScannerSettings } from "./scanner.ts";
import { banSubstrings } from "./scanners/ban-substrings.ts";
import type { BanSubstringsOptions } from "./scanners/ban-substrings.ts";
import { maliciousUrls } from "./scanners/malicious-urls.ts";
import type { MaliciousUrlsOptions } from "./scanners/malicious-urls.ts";
import { noCode } from "./scanners/no-code.ts";
import type { NoCodeOptions } from "./scanners/no-code.ts";
import { noRefusal } from "./scanners/no-refusal.ts";
import type { NoRefusalOptions } from "./scanners/no-refusal.ts";
import { InjectionDetector, promptInjection } from "./scanners/prompt-injection.ts";
import type { PromptInjectionOptions } from "./scanners/prompt-injection.ts";
import { secrets } from "./scanners/secrets.ts";
import type { SecretsOptions } from "./scanners/secrets.ts";
import { tokenLimit } from "./scanners/token-limit.ts";
import type { TokenLimitOptions } from "./scanners/token-limit.ts";
import { toxicity } from "./scanners/toxicity.ts";
import type { ToxicityOptions } from "./scanners/toxicity.ts";

/** Scanners that fail closed unless configured otherwise: a guardrail that cannot run blocks. */
export const DEFAULT_FAIL_MODE: FailMode = "closed";

let sharedDetector: InjectionDetector | undefined;

export function buildScanner(spec: GuardrailSpec, phase: Phase, phaseFailMode: FailMode | undefined): Scanner {
  const settings: ScannerSettings = { name: spec.name, kind: spec.kind, phase, failMode: spec.failMode ?? phaseFailMode ?? DEFAULT_FAIL_MODE };
  const options = spec.options;
  switch (spec.kind) {
    case "ban_substrings":
      return banSubstrings(settings, options as BanSubstringsOptions);
    case "prompt_injection":
      return promptInjection(settings, options as PromptInjectionOptions, (sharedDetector ??= new InjectionDetector()));
    case "toxicity":
      return toxicity(settings, options as ToxicityOptions);
    case "secrets":
      // LiteLLM's `hide-secrets` guardrail redacts rather than blocks.
      return secrets(settings, options as SecretsOptions, spec.alias === "hide-secrets" || spec.alias === "hide_secrets");
    case "token_limit":
      return tokenLimit(settings, options as TokenLimitOptions);
    case "malicious_urls":
      return maliciousUrls(settings, options as MaliciousUrlsOptions);
    case "no_refusal":
      return noRefusal(settings, options as NoRefusalOptions);
    case "no_code":
      return noCode(settings, options as NoCodeOptions);
  }
}
