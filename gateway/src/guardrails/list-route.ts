/**
 * GET /guardrails/list (LiteLLM's endpoint): the configured guardrails, so clients can find the
 * names to ask for per request. Scanner options (banned substrings, domain lists) are not shown.
 */
import type Router from "@koa/router";
import type { RawConfig } from "../config/schema.ts";
import type { RequestState } from "../request-state.ts";
import { guardrailSpecs } from "./config.ts";

export interface GuardrailListEntry {
  readonly guardrail_name: string;
  readonly litellm_params: { readonly guardrail: string; readonly mode: string[]; readonly default_on: boolean };
  readonly guardrail_info: Record<string, unknown> | null;
}

export function guardrailListRoutes(router: Router<RequestState>, config: RawConfig): void {
  const byName = new Map<string, { kind: string; modes: Set<string>; defaultOn: boolean }>();
  for (const spec of guardrailSpecs(config)) {
    const entry = byName.get(spec.name) ?? { kind: spec.kind, modes: new Set<string>(), defaultOn: false };
    for (const phase of spec.phases) entry.modes.add(phase === "input" ? "pre_call" : "post_call");
    entry.defaultOn ||= spec.defaultOn;
    byName.set(spec.name, entry);
  }
  const info = new Map((config.guardrails ?? []).map((entry) => [entry.guardrail_name, entry.guardrail_info ?? null]));
  const body = {
    guardrails: [...byName].map(([name, entry]): GuardrailListEntry => ({
      guardrail_name: name,
      litellm_params: { guardrail: entry.kind, mode: [...entry.modes], default_on: entry.defaultOn },
      guardrail_info: info.get(name) ?? null,
    })),
  };
  router.get("/guardrails/list", (ctx) => {
    ctx.state.route = "guardrails";
    ctx.body = body;
  });
}
