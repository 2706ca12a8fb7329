/**
 * Tag-based routing (router_settings.enable_tag_filtering), as LiteLLM does it: a request's tags
 * (`tags`, or `metadata.tags`) select the deployments of its group that carry any of them
 * (`litellm_params.tags`); when none does, the deployments tagged `default` take it, else it is a
 * 400 naming `tags`. A request without tags goes to the `default`-tagged deployments when the
 * group has some, else to all of them.
 */
import { GatewayError } from "../errors.ts";
import type { Deployment } from "./deployments.ts";

export const DEFAULT_TAG = "default";

const tagged = (deployment: Deployment, tag: string): boolean => deployment.tags?.includes(tag) === true;

export function tagCandidates(group: string, candidates: readonly Deployment[], requested: readonly string[] | undefined): readonly Deployment[] {
  const defaults = candidates.filter((deployment) => tagged(deployment, DEFAULT_TAG));
  if (requested === undefined || requested.length === 0) return defaults.length > 0 ? defaults : candidates;
  const matching = candidates.filter((deployment) => requested.some((tag) => tagged(deployment, tag)));
  if (matching.length > 0) return matching;
  if (defaults.length > 0) return defaults;
  const known = [...new Set(candidates.flatMap((deployment) => deployment.tags ?? []))].sort();
  throw new GatewayError(
    "invalid_request",
    `No deployment of model group '${group}' has any of the tags ${requested.map((tag) => `'${tag}'`).join(", ")} (its deployments' tags: ${known.length === 0 ? "none" : known.join(", ")})`,
    { param: "tags" },
  );
}
