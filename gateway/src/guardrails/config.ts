/**
 * Guardrails in the config: the seed's `llm_guard:` block is translated into entries of LiteLLM's
 * top-level `guardrails:` list (so the rest of Pharos reads one form), and every entry is
 * checked (phases its scanner supports, duplicate names) with problems that name the path.
 */
import type { GuardrailEntry, LlmGuardBlock, RawConfig } from "../config/schema.ts";
import { KIND_ALIASES, KIND_INFO } from "./kinds.ts";
import type { Phase, ScannerKind } from "./kinds.ts";

export type FailMode = "open" | "closed";

/** One configured guardrail, as the scanners are built from it. */
export interface GuardrailSpec {
  readonly name: string;
  readonly kind: ScannerKind;
  /** The `guardrail` value as written (e.g. `hide-secrets`, which changes a default). */
  readonly alias: string;
  readonly phases: readonly Phase[];
  readonly defaultOn: boolean;
  readonly failMode: FailMode | undefined;
  /** The kind's own options (validated by the config schema). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Where it was declared, for messages. */
  readonly path: string;
}

type Mode = "pre_call" | "post_call" | "during_call" | "logging_only";

const MODE_PHASE: Readonly<Record<Mode, Phase | undefined>> = {
  pre_call: "input",
  // Pharos scanners take microseconds: running them before the call is as fast and never lets a
  // blocked request reach the upstream.
  during_call: "input",
  post_call: "output",
  logging_only: undefined,
};

const GENERIC_KEYS = new Set(["guardrail", "mode", "default_on", "fail_mode"]);

type PhaseBlock = NonNullable<LlmGuardBlock["input_scanning"]>;

/** The `llm_guard` scanners of one phase as guardrail entries (default on, named by scanner). */
function translatePhase(block: PhaseBlock | undefined, mode: "pre_call" | "post_call", paths: string[], prefix: string): GuardrailEntry[] {
  if (block === undefined || block.enabled === false) return [];
  const entries: GuardrailEntry[] = [];
  (block.scanners ?? []).forEach((item, index) => {
    const [name, options] = typeof item === "string" ? [item, undefined] : (Object.entries(item)[0] as [string, Record<string, unknown> | null | undefined]);
    const kind = KIND_ALIASES[name]!;
    const params: Record<string, unknown> = { guardrail: kind, mode, default_on: true, ...(options ?? {}) };
    if (params["fail_mode"] === undefined && block.fail_mode !== undefined) params["fail_mode"] = block.fail_mode;
    entries.push({ guardrail_name: name, litellm_params: params as GuardrailEntry["litellm_params"] });
    paths.push(`${prefix}.scanners[${index}]`);
  });
  return entries;
}

function modesOf(entry: GuardrailEntry, kind: ScannerKind): readonly Mode[] {
  const mode = entry.litellm_params.mode;
  if (mode === undefined) return KIND_INFO[kind].phases.map((phase) => (phase === "input" ? "pre_call" : "post_call"));
  return typeof mode === "string" ? [mode] : mode;
}

/**
 * Translates `llm_guard` into `guardrails` entries (in place) and checks every entry.
 * Called once by config/normalize.ts.
 */
export function normalizeGuardrails(config: RawConfig, warnings: string[], problems: string[]): void {
  const paths = (config.guardrails ?? []).map((_, index) => `guardrails[${index}]`);
  const block = config.llm_guard;
  if (block !== undefined && block.enabled !== false) {
    const translated = [
      ...translatePhase(block.input_scanning, "pre_call", paths, "llm_guard.input_scanning"),
      ...translatePhase(block.output_scanning, "post_call", paths, "llm_guard.output_scanning"),
    ];
    if (translated.length > 0) {
      config.guardrails = [...(config.guardrails ?? []), ...translated];
      warnings.push(`llm_guard: translated to ${translated.length} default-on entries of the top-level guardrails list`);
    }
  }
  const seen = new Map<string, string>();
  (config.guardrails ?? []).forEach((entry, index) => {
    const path = paths[index]!;
    const kind = KIND_ALIASES[entry.litellm_params.guardrail]!;
    for (const mode of modesOf(entry, kind)) {
      const phase = MODE_PHASE[mode];
      if (phase === undefined) {
        warnings.push(`${path}: mode logging_only does not run (Pharos never logs message content, so there is nothing to mask)`);
        continue;
      }
      if (!KIND_INFO[kind].phases.includes(phase)) {
        problems.push(`${path}: ${kind} scans ${KIND_INFO[kind].phases.join(" and ")} only; mode ${mode} asks it to scan ${phase}`);
        continue;
      }
      const key = `${entry.guardrail_name}\0${phase}`;
      const previous = seen.get(key);
      if (previous !== undefined) problems.push(`${path}: guardrail name "${entry.guardrail_name}" already has an ${phase} scanner (${previous})`);
      else seen.set(key, path);
    }
    const options = entry.litellm_params as Record<string, unknown>;
    if (kind === "ban_substrings" && !Array.isArray(options["substrings"])) {
      warnings.push(`${path}: ${entry.guardrail_name} has no substrings configured, so it allows everything (set substrings: [...])`);
    }
  });
}

/** The configured guardrails, one spec per entry, in config order. */
export function guardrailSpecs(config: RawConfig): GuardrailSpec[] {
  const specs: GuardrailSpec[] = [];
  (config.guardrails ?? []).forEach((entry, index) => {
    const params = entry.litellm_params as Record<string, unknown> & GuardrailEntry["litellm_params"];
    const kind = KIND_ALIASES[params.guardrail]!;
    const phases = new Set<Phase>();
    for (const mode of modesOf(entry, kind)) {
      const phase = MODE_PHASE[mode];
      if (phase !== undefined && KIND_INFO[kind].phases.includes(phase)) phases.add(phase);
    }
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) if (!GENERIC_KEYS.has(key) && value !== undefined) options[key] = value;
    specs.push({
      name: entry.guardrail_name,
      kind,
      alias: params.guardrail,
      phases: [...phases],
      defaultOn: params.default_on ?? false,
      failMode: params.fail_mode,
      options,
      path: `guardrails[${index}]`,
    });
  });
  return specs;
}
