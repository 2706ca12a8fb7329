/**
 * The handler shared by the proxied endpoints: read the JSON body once, validate the fields
 * Pharos reads, take out the gateway's own parameters, and hand the rest to the pipeline.
 */
import type { Middleware } from "koa";
import type { Pipeline } from "../pipeline.ts";
import type { Operation } from "../providers/openai-types.ts";
import type { RequestState } from "../request-state.ts";
import { takeGatewayParams } from "./gateway-params.ts";
import { readJsonBody } from "./read-body.ts";
import { validateRequest } from "./request-schemas.ts";

export interface ProxyDeps {
  readonly pipeline: Pipeline;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimitBytes: number;
}

export function proxyHandler(op: Operation, route: string, deps: ProxyDeps): Middleware<RequestState> {
  return async (ctx) => {
    ctx.state.route = route;
    ctx.state.op = op;
    const body = await readJsonBody(ctx, deps.bodyLimitBytes);
    const params = takeGatewayParams(body);
    const request = validateRequest(op, body);
    await deps.pipeline.run(ctx, op, request, params);
  };
}
