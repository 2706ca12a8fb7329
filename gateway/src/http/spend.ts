/**
 * GET /spend/logs (master key), as LiteLLM serves it:
 * - filters: `api_key` (the key or its token), `request_id`, `start_date`, `end_date`
 *   (YYYY-MM-DD = whole UTC days, end day included; or ISO-8601 timestamps, end excluded);
 * - with both dates, a per-day summary (LiteLLM's default `summarize=true`); `summarize=false`
 *   returns the rows instead; `summary=true` asks for the summary with any filters;
 * - rows come newest first, `limit` (default 1000, at most 10000) and `offset` page them.
 * Rows still queued in the spend writer appear after its next flush (`proxy_batch_write_at`).
 */
import type Router from "@koa/router";
import { withDatabase } from "../db/db-errors.ts";
import { GatewayError } from "../errors.ts";
import { keyHashOf } from "../keys/key-requests.ts";
import { requireMaster } from "../middleware/authenticate.ts";
import type { PharosContext, RequestState } from "../request-state.ts";
import type { SpendFilter, SpendQueries } from "../spend/spend-queries.ts";

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

function text(ctx: PharosContext, name: string): string | undefined {
  const value = ctx.query[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new GatewayError("invalid_request", `'${name}': give it once`, { param: name });
  return value;
}

function dateParam(ctx: PharosContext, name: string, end: boolean): Date | undefined {
  const value = text(ctx, name);
  if (value === undefined) return undefined;
  const parsed = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(parsed.getTime())) throw new GatewayError("invalid_request", `'${name}': expected a date (YYYY-MM-DD) or an ISO-8601 timestamp, got '${value}'`, { param: name });
  return end && DATE_ONLY.test(value) ? new Date(parsed.getTime() + DAY_MS) : parsed;
}

function boolParam(ctx: PharosContext, name: string): boolean | undefined {
  const value = text(ctx, name);
  if (value === undefined) return undefined;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new GatewayError("invalid_request", `'${name}': expected true or false`, { param: name });
}

function intParam(ctx: PharosContext, name: string, fallback: number, min: number, max: number): number {
  const value = text(ctx, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new GatewayError("invalid_request", `'${name}': expected an integer from ${min} to ${max}`, { param: name });
  return parsed;
}

export function spendRoutes(router: Router<RequestState>, queries: SpendQueries): void {
  router.get("/spend/logs", async (ctx) => {
    ctx.state.route = "spend_admin";
    requireMaster(ctx);
    const apiKey = text(ctx, "api_key");
    const requestId = text(ctx, "request_id");
    const from = dateParam(ctx, "start_date", false);
    const to = dateParam(ctx, "end_date", true);
    if (from !== undefined && to !== undefined && from >= to) throw new GatewayError("invalid_request", "'end_date': must be after start_date", { param: "end_date" });
    const filter: SpendFilter = {
      ...(apiKey !== undefined ? { apiKey: keyHashOf(apiKey) } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    };
    const summarize = boolParam(ctx, "summarize");
    const summary = boolParam(ctx, "summary") ?? (from !== undefined && to !== undefined && summarize !== false);
    const limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    const offset = intParam(ctx, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    ctx.body = await withDatabase<unknown[]>(() => (summary ? queries.summary(filter) : queries.rows(filter, limit, offset)));
  });
}
