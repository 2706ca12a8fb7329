/**
 * The separate health app (SEPARATE_HEALTH_APP=1, port SEPARATE_HEALTH_PORT / --health-port,
 * default 4001). It serves the same health routes as the main port from the cluster's primary,
 * a process that does no request work, so probes answer while the workers are saturated.
 */
import type Router from "@koa/router";
import type Koa from "koa";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { deploymentHealthRoutes, publicHealthRoutes } from "./http/health.ts";
import type { HealthSources } from "./http/health.ts";
import type { RequestState } from "./request-state.ts";

export interface HealthAppOptions {
  readonly logger: Logger;
  readonly masterKey: string | undefined;
  readonly sources: HealthSources;
}

export function createHealthApp(options: HealthAppOptions): Koa<RequestState> {
  return createApp({
    logger: options.logger,
    observers: [],
    masterKey: options.masterKey,
    publicRoutes: (routes: Router<RequestState>) => publicHealthRoutes(routes, options.sources),
    apiRoutes: (routes: Router<RequestState>) => deploymentHealthRoutes(routes, options.sources),
  });
}
