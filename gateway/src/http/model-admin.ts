/**
 * Models at runtime, as LiteLLM serves them:
 * - POST /model/new     {model_name, litellm_params, model_info} (master key): stored with its
 *                       credentials encrypted, served at once here and within the sync interval
 *                       by every other instance;
 * - POST /model/delete  {id} (master key): only models added with /model/new;
 * - GET  /model/info    [?litellm_model_id=] every deployment a caller may use, secrets redacted
 *                       (also GET /v1/model/info).
 */
import type Router from "@koa/router";
import type { RouterMiddleware } from "@koa/router";
import { withDatabase } from "../db/db-errors.ts";
import { ModelEntryError } from "../db/stored-models.ts";
import type { StoredModels } from "../db/stored-models.ts";
import { GatewayError } from "../errors.ts";
import { requireMaster } from "../middleware/authenticate.ts";
import type { RequestState } from "../request-state.ts";
import type { Deployment, DeploymentTable } from "../router/deployments.ts";
import { readJsonBody } from "./read-body.ts";

const ADMIN_BODY_LIMIT = 1024 * 1024;
/** litellm_params never shown by /model/info. */
const SECRET_PARAMS = new Set(["api_key"]);

function infoOf(deployment: Deployment, stored: boolean): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(deployment.entry.litellm_params)) if (!SECRET_PARAMS.has(name) && value !== undefined) params[name] = value;
  return {
    model_name: deployment.group,
    litellm_params: params,
    model_info: {
      ...deployment.entry.model_info,
      id: deployment.id,
      mode: deployment.mode,
      db_model: stored,
      max_input_tokens: deployment.maxInputTokens ?? null,
      input_cost_per_token: deployment.price.inputPerToken,
      output_cost_per_token: deployment.price.outputPerToken,
      price_source: deployment.price.source,
    },
  };
}

export interface ModelAdminDeps {
  readonly table: DeploymentTable;
  /** undefined without a database: /model/new and /model/delete answer 503. */
  readonly stored: StoredModels | undefined;
}

export function modelAdminRoutes(router: Router<RequestState>, deps: ModelAdminDeps): void {
  const { table } = deps;
  const needStore = (): StoredModels => {
    if (deps.stored === undefined) throw new GatewayError("service_unavailable", "Models can only be added at runtime with a database (set DATABASE_URL, or leave the embedded database on)");
    return deps.stored;
  };

  router.post("/model/new", async (ctx) => {
    ctx.state.route = "model_admin";
    requireMaster(ctx);
    const store = needStore();
    const body = await readJsonBody(ctx, ADMIN_BODY_LIMIT);
    try {
      const { id } = await withDatabase(() => store.add(body));
      const deployment = table.byId.get(id);
      ctx.body = { model_id: id, message: `model '${String(body["model_name"])}' added`, ...(deployment === undefined ? {} : infoOf(deployment, true)) };
    } catch (error) {
      if (error instanceof ModelEntryError) {
        const param = /^'([^']+)'/.exec(error.problems[0] ?? "")?.[1];
        throw new GatewayError("invalid_request", `Invalid model: ${error.message}`, param === undefined ? {} : { param });
      }
      throw error;
    }
  });

  router.post("/model/delete", async (ctx) => {
    ctx.state.route = "model_admin";
    requireMaster(ctx);
    const store = needStore();
    const body = await readJsonBody(ctx, ADMIN_BODY_LIMIT);
    const id = body["id"];
    if (typeof id !== "string" || id === "") throw new GatewayError("invalid_request", "'id': expected the model id (model_info.id)", { param: "id" });
    if (table.byId.has(id) && !store.isStored(id)) {
      throw new GatewayError("invalid_request", `'id': model '${id}' is defined in the config file; remove it there`, { param: "id" });
    }
    const deleted = await withDatabase(() => store.remove(id));
    if (!deleted) throw new GatewayError("resource_not_found", `No model with id '${id}'`, { param: "id" });
    ctx.body = { message: `model '${id}' deleted`, model_id: id };
  });

  const info: RouterMiddleware<RequestState> = (ctx) => {
    ctx.state.route = "model_admin";
    const wanted = typeof ctx.query["litellm_model_id"] === "string" ? ctx.query["litellm_model_id"] : undefined;
    const allowed = ctx.state.auth?.models;
    const data = table.all
      .filter((deployment) => (wanted === undefined || deployment.id === wanted) && (allowed === undefined || allowed.includes(deployment.group)))
      .map((deployment) => infoOf(deployment, deps.stored?.isStored(deployment.id) ?? false));
    ctx.body = { data };
  };
  router.get("/model/info", info);
  router.get("/v1/model/info", info);
}
