/**
 * Which model groups to try, in order, once a group has failed. Pure.
 *
 * - A context-window error goes to `context_window_fallbacks` for the group; a content-policy
 *   error to `content_policy_fallbacks`. When that list is configured but has no entry for the
 *   group, there is no fallback; when it is not configured at all, the general chain applies
 *   (LiteLLM's behaviour).
 * - Every other upstream failure (including "no healthy deployment") goes to the group's
 *   `fallbacks` entry (or the `"*"` entry), then `default_fallbacks`, without duplicates,
 *   at most `max_fallbacks` groups.
 * - A request's own `fallbacks` replace that general chain for it (still at most `max_fallbacks`).
 * - A client that went away, or a gateway bug, has no fallback.
 */
import type { ErrorCode } from "../errors.ts";

export interface FallbackSettings {
  /** group (or "*") → fallback groups, from `fallbacks`. */
  readonly general: ReadonlyMap<string, readonly string[]>;
  /** undefined when `context_window_fallbacks` is not configured. */
  readonly contextWindow: ReadonlyMap<string, readonly string[]> | undefined;
  readonly contentPolicy: ReadonlyMap<string, readonly string[]> | undefined;
  readonly defaults: readonly string[];
  readonly maxFallbacks: number;
}

export const DEFAULT_MAX_FALLBACKS = 5;

const NO_FALLBACK: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["client_closed_request", "internal_error"]);

function entryFor(map: ReadonlyMap<string, readonly string[]>, group: string): readonly string[] | undefined {
  return map.get(group) ?? map.get("*");
}

function finish(group: string, lists: ReadonlyArray<readonly string[] | undefined>, max: number): string[] {
  const out: string[] = [];
  for (const list of lists) {
    for (const target of list ?? []) {
      if (target !== group && !out.includes(target)) out.push(target);
    }
  }
  return out.slice(0, max);
}

/** `requested`: the request's own `fallbacks`, which take the place of the general chain (the group's entry and the defaults). */
export function fallbackGroups(group: string, code: ErrorCode, settings: FallbackSettings, requested?: readonly string[]): string[] {
  if (NO_FALLBACK.has(code)) return [];
  const special = code === "context_window_exceeded" ? settings.contextWindow : code === "content_policy_violation" ? settings.contentPolicy : undefined;
  if (special !== undefined) return finish(group, [entryFor(special, group)], settings.maxFallbacks);
  if (requested !== undefined) return finish(group, [requested], settings.maxFallbacks);
  return finish(group, [entryFor(settings.general, group), settings.defaults], settings.maxFallbacks);
}
