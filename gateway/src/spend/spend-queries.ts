/**
 * Reading spend logs back (GET /spend/logs): rows filtered by key, request id and time range,
 * or a per-day summary (spend, requests, tokens, per model group and per key).
 */
import type { DatabaseManager } from "../db/db-manager.ts";

export interface SpendFilter {
  readonly apiKey?: string;
  readonly requestId?: string;
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
}

export interface DaySummary {
  readonly startTime: string;
  spend: number;
  api_requests: number;
  successful_requests: number;
  failed_requests: number;
  cache_hits: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  readonly models: Record<string, number>;
  readonly api_keys: Record<string, number>;
}

function where(filter: SpendFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown): void => {
    params.push(value);
    clauses.push(clause.replace("?", `$${params.length}`));
  };
  if (filter.apiKey !== undefined) add("api_key = ?", filter.apiKey);
  if (filter.requestId !== undefined) add("request_id = ?", filter.requestId);
  if (filter.from !== undefined) add("start_time >= ?::timestamptz", filter.from.toISOString());
  if (filter.to !== undefined) add("start_time < ?::timestamptz", filter.to.toISOString());
  return { sql: clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`, params };
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** A row as GET /spend/logs shows it (LiteLLM's names where it has them). */
function rowBody(row: Record<string, unknown>): Record<string, unknown> {
  return {
    id: row["id"],
    request_id: row["request_id"],
    call_type: row["call_type"],
    api_key: row["api_key"],
    key_alias: row["key_alias"],
    model_group: row["model_group"],
    model_id: row["deployment_id"],
    model: row["model"],
    api_base: row["api_base"],
    status: row["status"],
    http_status: row["http_status"],
    error_code: row["error_code"],
    spend: Number(row["spend"]),
    prompt_tokens: row["prompt_tokens"],
    completion_tokens: row["completion_tokens"],
    total_tokens: row["total_tokens"],
    cache_hit: row["cache_hit"],
    stream: row["stream"],
    startTime: iso(row["start_time"]),
    endTime: iso(row["end_time"]),
    duration_ms: row["duration_ms"],
    upstream_ms: row["upstream_ms"],
    overhead_ms: row["overhead_ms"],
    time_to_first_token_ms: row["time_to_first_token_ms"],
    attempted_retries: row["attempted_retries"],
    attempted_fallbacks: row["attempted_fallbacks"],
    metadata: row["metadata"],
    request_tags: (row["metadata"] as { request_tags?: unknown } | null)?.request_tags ?? [],
  };
}

export class SpendQueries {
  private readonly db: DatabaseManager;

  constructor(db: DatabaseManager) {
    this.db = db;
  }

  async rows(filter: SpendFilter, limit: number, offset: number): Promise<Record<string, unknown>[]> {
    const { sql, params } = where(filter);
    const { rows } = await this.db.use((db) =>
      db.query(`SELECT * FROM pharos_spend_logs ${sql} ORDER BY start_time DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, limit, offset]),
        "spend_read",
    );
    return rows.map(rowBody);
  }

  async summary(filter: SpendFilter): Promise<DaySummary[]> {
    const { sql, params } = where(filter);
    const { rows } = await this.db.use((db) =>
      db.query<Record<string, unknown>>(
        `SELECT to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, model_group, api_key,
                sum(spend) AS spend, count(*)::int AS requests,
                count(*) FILTER (WHERE status = 'success')::int AS ok,
                count(*) FILTER (WHERE cache_hit)::int AS hits,
                sum(prompt_tokens)::bigint AS prompt, sum(completion_tokens)::bigint AS completion, sum(total_tokens)::bigint AS total
         FROM pharos_spend_logs ${sql}
         GROUP BY 1, 2, 3 ORDER BY 1`,
        params,
      ),
        "spend_read",
    );
    const days = new Map<string, DaySummary>();
    for (const row of rows) {
      const day = String(row["day"]);
      let summary = days.get(day);
      if (summary === undefined) {
        summary = { startTime: day, spend: 0, api_requests: 0, successful_requests: 0, failed_requests: 0, cache_hits: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, models: {}, api_keys: {} };
        days.set(day, summary);
      }
      const spend = Number(row["spend"] ?? 0);
      const requests = Number(row["requests"]);
      summary.spend += spend;
      summary.api_requests += requests;
      summary.successful_requests += Number(row["ok"]);
      summary.failed_requests += requests - Number(row["ok"]);
      summary.cache_hits += Number(row["hits"]);
      summary.prompt_tokens += Number(row["prompt"] ?? 0);
      summary.completion_tokens += Number(row["completion"] ?? 0);
      summary.total_tokens += Number(row["total"] ?? 0);
      const group = (row["model_group"] as string | null) ?? "(none)";
      summary.models[group] = (summary.models[group] ?? 0) + spend;
      const key = (row["api_key"] as string | null) ?? "(none)";
      summary.api_keys[key] = (summary.api_keys[key] ?? 0) + spend;
    }
    return [...days.values()];
  }
}
