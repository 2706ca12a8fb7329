/**
 * The handler shared by the proxied endpoints: read the JSON body once, validate the fields
 * Pharos reads, take out the gateway's own parameters, and hand the rest to the pipeline.
 */
import type { Middleware } from "koa";
import { GatewayError } from "../errors.ts";
import type { Pipeline } from "../pipeline.ts";
import type { Operation } from "../providers/openai-types.ts";
import type { RequestState } from "../request-state.ts";
import { takeGatewayParams } from "./gateway-params.ts";
import { readJsonBody } from "./read-body.ts";
import type { RouteLabel } from "./route-labels.ts";
import { validateRequest } from "./request-schemas.ts";

export interface ProxyDeps {
  readonly pipeline: Pipeline;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimitBytes: number;
  /** general_settings.enforce_user_param: every request names its end user in `user`. */
  readonly requireUser?: boolean;
}

function checkUser(body: Record<string, unknown>): void {
  const user = body["user"];
  if (typeof user === "string" && user !== "") return;
  throw new GatewayError("invalid_request", `'user' ${user === undefined ? "is required" : "must be a non-empty string"}: this gateway enforces the user parameter (general_settings.enforce_user_param)`, { param: "user" });
}

export function proxyHandler(op: Operation, route: RouteLabel, deps: ProxyDeps): Middleware<RequestState> {
  return async (ctx) => {
    ctx.state.route = route;
    ctx.state.op = op;
    const body = await readJsonBody(ctx, deps.bodyLimitBytes);
    const params = takeGatewayParams(body);
    const request = validateRequest(op, body);
    if (deps.requireUser === true) checkUser(body);
    await deps.pipeline.run(ctx, op, request, params);
  };
}
