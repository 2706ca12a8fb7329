/** POST /v1/embeddings and /embeddings. */
import type Router from "@koa/router";
import type { RequestState } from "../request-state.ts";
import { proxyHandler } from "./proxy-handler.ts";
import type { ProxyDeps } from "./proxy-handler.ts";

export function embeddingRoutes(router: Router<RequestState>, deps: ProxyDeps): void {
  const handler = proxyHandler("embeddings", "embeddings", deps);
  router.post("/v1/embeddings", handler);
  router.post("/embeddings", handler);
}
