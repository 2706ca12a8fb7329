/**
 * Stage 2: any error below becomes an OpenAI-shaped error response with the catalogue's
 * status, and is logged with its cause (5xx as errors, the rest at info).
 */
import type { Middleware } from "koa";
import type { Logger } from "pino";
import { toGatewayError } from "../errors.ts";
import type { RequestState } from "../request-state.ts";

export function errorBoundary(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      const error = toGatewayError(thrown);
      ctx.state.errorCode = error.code;
      ctx.state.errorMessage = error.message;
      const fields = { callId: ctx.state.callId, code: error.code, status: error.status, route: ctx.state.route, group: ctx.state.group, deployment: ctx.state.deployment?.id };
      if (error.status >= 500) logger.error({ ...fields, err: error.cause ?? error }, error.message);
      else logger.info(fields, error.message);
      if (ctx.res.headersSent || !ctx.res.writable) {
        ctx.status = error.status;
        return;
      }
      ctx.status = error.status;
      if (error.retryAfterSeconds !== undefined) ctx.set("retry-after", String(Math.ceil(error.retryAfterSeconds)));
      if (error.headers !== undefined) ctx.set(error.headers);
      ctx.body = error.toBody();
    }
  };
}
