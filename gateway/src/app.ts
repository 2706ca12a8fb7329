/**
 * THE one place where the middleware order is declared.
 *
 *  1. request-context  call id (client's kept), arrival time; one RequestRecord to observers at the end
 *  2. error-boundary   every error below → OpenAI error body with the catalogue's status
 *  3. public routes    /health/liveliness, /health/liveness, /health/readiness, /metrics
 *  4. authenticate     master key (constant time) or virtual key; open when no master key is set
 *  5. API routes       /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models, /health, admin
 *  6. fallthrough      405 for a known path with the wrong method, 404 for the rest (OpenAI-shaped)
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
  /** Routes anyone may call. */
  readonly publicRoutes: (router: Router<RequestState>) => void;
  /** Routes that need a key. */
  readonly apiRoutes: (router: Router<RequestState>) => void;
}

export function createApp(parts: AppParts): Koa<RequestState> {
  const app = new Koa<RequestState>();
  const publicRouter = new Router<RequestState>();
  parts.publicRoutes(publicRouter);
  const apiRouter = new Router<RequestState>();
  parts.apiRoutes(apiRouter);

  app.use(requestContext(parts.observers, parts.logger)); // 1
  app.use(errorBoundary(parts.logger)); // 2
  app.use(publicRouter.routes()); // 3
  app.use(authenticate({ masterKey: parts.masterKey, resolver: parts.keyResolver })); // 4
  app.use(apiRouter.routes()); // 5
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) {
      throw new GatewayError("route_not_found", `No route ${ctx.method} ${ctx.path}. See /v1/models for the model groups, /health for deployment health.`);
    }
  }); // 6
  app.use(
    apiRouter.allowedMethods({
      throw: true,
      methodNotAllowed: () => new GatewayError("method_not_allowed", "This path does not accept that HTTP method"),
      notImplemented: () => new GatewayError("method_not_allowed", "This HTTP method is not supported"),
    }),
  ); // 6

  // Koa logs errors that escape the middleware; the error boundary handles them all, so this only
  // sees socket errors after the response started.
  app.on("error", (error: unknown) => parts.logger.debug({ err: error }, "connection error after the response started"));
  return app;
}
