/**
 * The low-cardinality route label of a request path (metrics, logs), known before any handler
 * runs, so requests refused early (401, 413, 415) are labelled with the route they aimed at.
 * Handlers keep the label; unknown paths are "unmatched". `ROUTE_LABELS` is the whole set (the
 * `pharos.route` metric attribute; docs/metrics.md lists exactly these, tested).
 */

export const ROUTE_LABELS = ["chat_completions", "completions", "embeddings", "models", "health", "metrics", "key_admin", "spend_admin", "model_admin", "guardrails", "unmatched"] as const;
export type RouteLabel = (typeof ROUTE_LABELS)[number];

const EXACT: ReadonlyMap<string, RouteLabel> = new Map<string, RouteLabel>([
  ["/v1/chat/completions", "chat_completions"],
  ["/chat/completions", "chat_completions"],
  ["/v1/completions", "completions"],
  ["/completions", "completions"],
  ["/v1/embeddings", "embeddings"],
  ["/embeddings", "embeddings"],
  ["/v1/models", "models"],
  ["/models", "models"],
  ["/metrics", "metrics"],
  ["/guardrails/list", "guardrails"],
]);

const PREFIXES: ReadonlyArray<readonly [string, RouteLabel]> = [
  ["/health", "health"],
  ["/v1/models/", "models"],
  ["/models/", "models"],
  ["/key/", "key_admin"],
  ["/spend/", "spend_admin"],
  ["/model/", "model_admin"],
  ["/v1/model/", "model_admin"],
];

export function routeLabelOf(path: string): RouteLabel {
  const exact = EXACT.get(path);
  if (exact !== undefined) return exact;
  for (const [prefix, label] of PREFIXES) if (path.startsWith(prefix)) return label;
  return "unmatched";
}
