/**
 * The schema, as versioned SQL migrations applied in order at boot (migrate.ts). The same SQL
 * runs on PostgreSQL ≥ 13 and on PGlite. Never edit a released migration: add the next one.
 *
 * Tables are prefixed `pharos_` so they can live beside LiteLLM's own tables in one database.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "virtual_keys",
    // fillfactor leaves room on each page so the batched spend UPDATE stays a HOT update
    // (no index touches `spend`): no index bloat however often spend is written.
    sql: `
CREATE TABLE pharos_keys (
  key_hash text PRIMARY KEY,
  key_name text NOT NULL,
  key_alias text,
  models text[] NOT NULL DEFAULT '{}',
  max_budget double precision,
  spend double precision NOT NULL DEFAULT 0,
  budget_duration text,
  budget_duration_seconds integer,
  budget_reset_at timestamptz,
  rpm_limit integer,
  tpm_limit integer,
  max_parallel_requests integer,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  user_id text,
  team_id text,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);
CREATE UNIQUE INDEX pharos_keys_alias ON pharos_keys (key_alias) WHERE key_alias IS NOT NULL;
CREATE INDEX pharos_keys_budget_reset ON pharos_keys (budget_reset_at) WHERE budget_reset_at IS NOT NULL;
`,
  },
  {
    version: 2,
    name: "spend_logs",
    sql: `
CREATE TABLE pharos_spend_logs (
  id uuid PRIMARY KEY,
  request_id text NOT NULL,
  api_key text,
  key_alias text,
  call_type text,
  model_group text,
  deployment_id text,
  model text,
  api_base text,
  status text NOT NULL,
  http_status integer NOT NULL,
  error_code text,
  prompt_tokens integer NOT NULL DEFAULT 0,
  completion_tokens integer NOT NULL DEFAULT 0,
  total_tokens integer NOT NULL DEFAULT 0,
  spend double precision NOT NULL DEFAULT 0,
  cache_hit boolean NOT NULL DEFAULT false,
  stream boolean NOT NULL DEFAULT false,
  start_time timestamptz NOT NULL,
  end_time timestamptz NOT NULL,
  duration_ms double precision,
  upstream_ms double precision,
  overhead_ms double precision,
  time_to_first_token_ms double precision,
  attempted_retries integer NOT NULL DEFAULT 0,
  attempted_fallbacks integer NOT NULL DEFAULT 0
);
CREATE INDEX pharos_spend_logs_start_time ON pharos_spend_logs (start_time);
CREATE INDEX pharos_spend_logs_api_key ON pharos_spend_logs (api_key, start_time);
CREATE INDEX pharos_spend_logs_request_id ON pharos_spend_logs (request_id);
`,
  },
  {
    version: 3,
    name: "stored_models",
    sql: `
CREATE TABLE pharos_models (
  model_id text PRIMARY KEY,
  model_name text NOT NULL,
  litellm_params text NOT NULL,
  model_info jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 4,
    name: "spend_log_metadata",
    // A constant default: PostgreSQL 11+ adds the column without rewriting the table.
    sql: `
ALTER TABLE pharos_spend_logs ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
`,
  },
];
