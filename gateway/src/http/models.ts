/**
 * GET /v1/models (and /models, /v1/models/{group}): the model groups and their listed aliases
 * (router_settings.model_group_alias), as OpenAI lists models. A key limited to some models sees
 * the groups it may call and the aliases of those.
 */
import type Router from "@koa/router";
import type { RouterMiddleware } from "@koa/router";
import { GatewayError } from "../errors.ts";
import type { RequestState } from "../request-state.ts";
import type { DeploymentTable } from "../router/deployments.ts";
import type { GroupAliases } from "../router/group-aliases.ts";

export interface ModelEntryBody {
  readonly id: string;
  readonly object: "model";
  readonly created: number;
  readonly owned_by: string;
}

export function modelRoutes(router: Router<RequestState>, table: DeploymentTable, aliases: GroupAliases, bootEpochSeconds: number): void {
  const entry = (id: string): ModelEntryBody => ({ id, object: "model", created: bootEpochSeconds, owned_by: "openai" });
  /** Whether `name` (a group or an alias) is served and this caller may see it. */
  const visible = (name: string, allowed: readonly string[] | undefined): boolean => {
    const group = aliases.targets.get(name) ?? name;
    return table.groups.has(group) && (allowed === undefined || allowed.includes(name) || allowed.includes(group));
  };
  const list: RouterMiddleware<RequestState> = (ctx) => {
    ctx.state.route = "models";
    const allowed = ctx.state.auth?.models;
    const names = [...table.groupNames, ...aliases.listed].filter((name) => visible(name, allowed));
    ctx.body = { object: "list", data: names.map(entry) };
  };
  const one: RouterMiddleware<RequestState> = (ctx) => {
    ctx.state.route = "models";
    const name = ctx.params["model"] ?? "";
    if (!visible(name, ctx.state.auth?.models)) throw new GatewayError("unknown_model", `Model group '${name}' does not exist`, { param: "model" });
    ctx.body = entry(name);
  };
  router.get("/v1/models", list);
  router.get("/models", list);
  router.get("/v1/models/:model", one);
  router.get("/models/:model", one);
}
