/** POST /v1/completions and /completions (legacy text completions, JSON or SSE). */
import type Router from "@koa/router";
import type { RequestState } from "../request-state.ts";
import { proxyHandler } from "./proxy-handler.ts";
import type { ProxyDeps } from "./proxy-handler.ts";

export function completionRoutes(router: Router<RequestState>, deps: ProxyDeps): void {
  const handler = proxyHandler("text_completion", "completions", deps);
  router.post("/v1/completions", handler);
  router.post("/completions", handler);
}
