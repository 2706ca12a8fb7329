/**
 * The low-cardinality route label of a request path (metrics, logs), known before any handler
 * runs, so requests refused early (401, 413, 415) are labelled with the route they aimed at.
 * Handlers keep the label; unknown paths are "unmatched".
 */

const EXACT: ReadonlyMap<string, string> = new Map([
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

const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ["/health", "health"],
  ["/v1/models/", "models"],
  ["/models/", "models"],
  ["/key/", "key_admin"],
  ["/spend/", "spend_admin"],
  ["/model/", "model_admin"],
  ["/v1/model/", "model_admin"],
];

export function routeLabelOf(path: string): string {
  const exact = EXACT.get(path);
  if (exact !== undefined) return exact;
  for (const [prefix, label] of PREFIXES) if (path.startsWith(prefix)) return label;
  return "unmatched";
}
