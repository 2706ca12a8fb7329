/** GET /v1/models (and /models, /v1/models/{group}): the model groups, as OpenAI lists models. */
import type Router from "@koa/router";
import type { RouterMiddleware } from "@koa/router";
import { GatewayError } from "../errors.ts";
import type { RequestState } from "../request-state.ts";
import type { DeploymentTable } from "../router/deployments.ts";

export interface ModelEntryBody {
  readonly id: string;
  readonly object: "model";
  readonly created: number;
  readonly owned_by: string;
}

export function modelRoutes(router: Router<RequestState>, table: DeploymentTable, bootEpochSeconds: number): void {
  const entry = (id: string): ModelEntryBody => ({ id, object: "model", created: bootEpochSeconds, owned_by: "openai" });
  const list: RouterMiddleware<RequestState> = (ctx) => {
    ctx.state.route = "models";
    const allowed = ctx.state.auth?.models;
    const groups = allowed === undefined ? table.groupNames : table.groupNames.filter((group) => allowed.includes(group));
    ctx.body = { object: "list", data: groups.map(entry) };
  };
  const one: RouterMiddleware<RequestState> = (ctx) => {
    ctx.state.route = "models";
    const group = ctx.params["model"] ?? "";
    const allowed = ctx.state.auth?.models;
    if (!table.groups.has(group) || (allowed !== undefined && !allowed.includes(group))) {
      throw new GatewayError("unknown_model", `Model group '${group}' does not exist`, { param: "model" });
    }
    ctx.body = entry(group);
  };
  router.get("/v1/models", list);
  router.get("/models", list);
  router.get("/v1/models/:model", one);
  router.get("/models/:model", one);
}
