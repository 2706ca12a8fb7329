/**
 * `make probe`: one real request per model group (chat, embedding or completion, from
 * /v1/model/info), printed as a table with status, time and the deployment that answered.
 * Exit 1 when a group fails. PROBE_TIMEOUT_MS (30000) bounds each request.
 */
import { request } from "undici";
import { resolveTargets } from "./stack/targets.ts";

interface Deployment {
  readonly model_name: string;
  readonly model_info?: { readonly mode?: string; readonly id?: string };
}

const targets = resolveTargets();
const timeout = Number(process.env["PROBE_TIMEOUT_MS"] ?? "30000");
const headers: Record<string, string> = { "content-type": "application/json", ...(targets.masterKey === undefined ? {} : { authorization: `Bearer ${targets.masterKey}` }) };

function requestFor(group: string, mode: string): { path: string; body: Record<string, unknown> } {
  if (mode === "embedding") return { path: "/v1/embeddings", body: { model: group, input: "ping" } };
  if (mode === "completion") return { path: "/v1/completions", body: { model: group, prompt: "ping", max_tokens: 8 } };
  return { path: "/v1/chat/completions", body: { model: group, messages: [{ role: "user", content: "ping" }], max_tokens: 8 } };
}

const info = await request(`${targets.gateway}/v1/model/info`, { headers, headersTimeout: timeout, bodyTimeout: timeout });
const infoText = await info.body.text();
if (info.statusCode !== 200) {
  process.stderr.write(`make probe: GET ${targets.gateway}/v1/model/info answered ${info.statusCode}: ${infoText.slice(0, 300)}\n`);
  process.exit(1);
}
const groups = new Map<string, string>();
for (const deployment of (JSON.parse(infoText) as { data: Deployment[] }).data) {
  if (!groups.has(deployment.model_name)) groups.set(deployment.model_name, deployment.model_info?.mode ?? "chat");
}

const rows: string[][] = [["model group", "mode", "status", "ms", "deployment", "detail"]];
let failed = 0;
for (const [group, mode] of groups) {
  const { path, body } = requestFor(group, mode);
  const started = performance.now();
  let row: string[];
  try {
    const response = await request(`${targets.gateway}${path}`, { method: "POST", headers, body: JSON.stringify(body), headersTimeout: timeout, bodyTimeout: timeout });
    const text = await response.body.text();
    const ms = String(Math.round(performance.now() - started));
    const deployment = String(response.headers["x-litellm-model-id"] ?? "-");
    let detail = "";
    if (response.statusCode !== 200) {
      failed += 1;
      try {
        detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {
        detail = text;
      }
    }
    row = [group, mode, String(response.statusCode), ms, deployment, detail.replace(/\s+/g, " ").slice(0, 90)];
  } catch (error) {
    failed += 1;
    row = [group, mode, "error", String(Math.round(performance.now() - started)), "-", (error as Error).message.slice(0, 90)];
  }
  rows.push(row);
}

const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
process.stdout.write(`make probe: ${targets.gateway} (${targets.source})\n`);
for (const [index, row] of rows.entries()) {
  process.stdout.write(`  ${row.map((cell, column) => (column === 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join("  ").trimEnd()}\n`);
  if (index === 0) process.stdout.write(`  ${widths.map((width) => "-".repeat(width)).join("  ")}\n`);
}
process.stdout.write(`${groups.size - failed}/${groups.size} model groups answered\n`);
process.exitCode = failed === 0 ? 0 : 1;
