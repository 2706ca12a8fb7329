/**
 * Stage 2: any error below becomes an OpenAI-shaped error response with the catalogue's
 * status, and is logged with its cause. Levels, as LiteLLM logs a failed LLM call (at ERROR,
 * whatever the status): a 5xx, and every failure an upstream caused (`upstream_*`: its 429,
 * 401, 400 … even when the client gets a 4xx), at ERROR, so production's level (LITELLM_LOG=ERROR)
 * still shows them; the client's own mistakes and the gateway's deliberate refusals (bad body,
 * unknown model, key, budget, rate limit, guardrail) at INFO.
 */
import type { Middleware } from "koa";
import type { Logger } from "pino";
import { toGatewayError } from "../errors.ts";
import type { ErrorCode } from "../errors.ts";
import type { RequestState } from "../request-state.ts";

/** Failures an upstream caused (its own status, a timeout, an unreachable or malformed upstream). */
export function causedUpstream(code: ErrorCode): boolean {
  return code.startsWith("upstream_");
}

export function errorBoundary(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      const error = toGatewayError(thrown);
      ctx.state.errorCode = error.code;
      ctx.state.errorMessage = error.message;
      const fields = { callId: ctx.state.callId, code: error.code, status: error.status, route: ctx.state.route, group: ctx.state.group, deployment: ctx.state.deployment?.id };
      if (error.status >= 500 || causedUpstream(error.code)) logger.error({ ...fields, err: error.cause ?? error }, error.message);
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
