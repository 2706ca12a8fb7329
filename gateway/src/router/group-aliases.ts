/**
 * router_settings.model_group_alias: other names clients may use for a model group
 * (`{"gpt-4": "gpt-4o"}`, or `{"gpt-4": {"model": "gpt-4o", "hidden": true}}` to keep the alias
 * out of /v1/models). A request for an alias is served, limited, logged and measured as its group.
 */
import type { RawConfig } from "../config/schema.ts";

export interface GroupAliases {
  /** alias → model group */
  readonly targets: ReadonlyMap<string, string>;
  /** The aliases /v1/models lists (not hidden), sorted. */
  readonly listed: readonly string[];
}

export const NO_ALIASES: GroupAliases = { targets: new Map(), listed: [] };

export function groupAliasesOf(config: RawConfig): GroupAliases {
  const raw = config.router_settings.model_group_alias;
  if (raw === undefined) return NO_ALIASES;
  const targets = new Map<string, string>();
  const listed: string[] = [];
  for (const [alias, value] of Object.entries(raw)) {
    const target = typeof value === "string" ? value : value.model;
    targets.set(alias, target);
    if (typeof value === "string" || value.hidden !== true) listed.push(alias);
  }
  return { targets, listed: listed.sort() };
}

/** Config problems: an alias must name a model group of model_list, and must not be one itself. */
export function aliasProblems(config: RawConfig): string[] {
  const groups = new Set(config.model_list.map((entry) => entry.model_name));
  const problems: string[] = [];
  for (const [alias, target] of groupAliasesOf(config).targets) {
    const path = `router_settings.model_group_alias.${alias}`;
    if (groups.has(alias)) problems.push(`${path}: "${alias}" is already a model group; an alias must be a new name`);
    if (!groups.has(target)) problems.push(`${path}: "${target}" is not a model group in model_list`);
  }
  return problems;
}
