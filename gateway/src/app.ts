/**
 * THE one place where the middleware order is declared.
 *
 *  1. request-context  call id (client's kept), arrival time; one RequestRecord to observers at the end
 *  2. error-boundary   every error below → OpenAI error body with the catalogue's status
 *  3. routes           one router, one match per request, in this order:
 *     3a. public       /health/liveliness, /health/liveness, /health/readiness, /metrics
 *     3b. authenticate master key (constant time) or virtual key; open when no master key is set
 *     3c. API          /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models, /health, admin
 *  4. fallthrough      405 for a known path with the wrong method, 404 for the rest (OpenAI-shaped)
 *
 * A path is matched before the key is checked (as LiteLLM's FastAPI does): an unknown path is a
 * 404 and a wrong method a 405 with or without a key; authenticate runs only for an API route,
 * because a public route's handler answers without passing on.
 */
import Router from "@koa/router";
import Koa from "koa";
import type { Logger } from "pino";
import { GatewayError } from "./errors.ts";
import { authenticate } from "./middleware/authenticate.ts";
import type { KeyResolver } from "./middleware/authenticate.ts";
import { errorBoundary } from "./middleware/error-boundary.ts";
import { requestContext } from "./middleware/request-context.ts";
import type { RequestObserver, RequestState } from "./request-state.ts";

export interface AppParts {
  readonly logger: Logger;
  readonly observers: readonly RequestObserver[];
  readonly masterKey: string | undefined;
  readonly keyResolver?: KeyResolver | undefined;
  /** Routes anyone may call. Their handlers answer and never call next(). */
  readonly publicRoutes: (router: Router<RequestState>) => void;
  /** Routes that need a key (registered after authenticate on the same router). */
  readonly apiRoutes: (router: Router<RequestState>) => void;
}

export function createApp(parts: AppParts): Koa<RequestState> {
  const app = new Koa<RequestState>();
  const router = new Router<RequestState>();
  parts.publicRoutes(router); // 3a
  router.use(authenticate({ masterKey: parts.masterKey, resolver: parts.keyResolver })); // 3b
  parts.apiRoutes(router); // 3c

  app.use(requestContext(parts.observers, parts.logger)); // 1
  app.use(errorBoundary(parts.logger)); // 2
  app.use(router.routes()); // 3
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) {
      throw new GatewayError("route_not_found", `No route ${ctx.method} ${ctx.path}. See /v1/models for the model groups, /health for deployment health.`);
    }
  }); // 4
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new GatewayError("method_not_allowed", "This path does not accept that HTTP method"),
      notImplemented: () => new GatewayError("method_not_allowed", "This HTTP method is not supported"),
    }),
  ); // 4

  // Koa logs errors that escape the middleware; the error boundary handles them all, so this only
  // sees socket errors after the response started.
  app.on("error", (error: unknown) => parts.logger.debug({ err: error }, "connection error after the response started"));
  return app;
}
