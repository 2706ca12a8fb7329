/** POST /v1/chat/completions and /chat/completions (JSON or SSE). */
import type Router from "@koa/router";
import type { RequestState } from "../request-state.ts";
import { proxyHandler } from "./proxy-handler.ts";
import type { ProxyDeps } from "./proxy-handler.ts";

export function chatCompletionRoutes(router: Router<RequestState>, deps: ProxyDeps): void {
  const handler = proxyHandler("chat", "chat_completions", deps);
  router.post("/v1/chat/completions", handler);
  router.post("/chat/completions", handler);
}
