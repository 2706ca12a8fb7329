/**
 * `make check`: is the stack serving? The separate health app, readiness, the model list (with
 * the master key), /metrics on the main port, and the nginx edge. Exit 1 when one fails.
 */
import { Agent, request } from "undici";
import { resolveTargets } from "./stack/targets.ts";

interface Check {
  readonly name: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly expect: (status: number, body: string) => string | undefined;
}

const targets = resolveTargets();
const auth: Record<string, string> = targets.masterKey === undefined ? {} : { authorization: `Bearer ${targets.masterKey}` };
// The edge may carry `make certs`' self-signed certificate: not verified here (this is a reachability check).
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

const ok200 = (status: number): string | undefined => (status === 200 ? undefined : `HTTP ${status}`);
const checks: Check[] = [
  { name: "health app (liveliness)", url: `${targets.health}/health/liveliness`, expect: ok200 },
  { name: "readiness", url: `${targets.gateway}/health/readiness`, expect: ok200 },
  {
    name: "models",
    url: `${targets.gateway}/v1/models`,
    headers: auth,
    expect: (status, body) => {
      if (status !== 200) return `HTTP ${status}${status === 401 ? " (set LITELLM_MASTER_KEY or .env)" : ""}`;
      const count = (JSON.parse(body) as { data?: unknown[] }).data?.length ?? 0;
      return count > 0 ? undefined : "no model groups";
    },
  },
  {
    name: "metrics",
    url: `${targets.gateway}/metrics`,
    headers: auth,
    expect: (status, body) => (status !== 200 ? `HTTP ${status}` : /^pharos_/m.test(body) ? undefined : "no pharos_* series"),
  },
  { name: "edge (nginx)", url: `${targets.edge}/health/liveliness`, expect: ok200 },
];

let failed = 0;
process.stdout.write(`make check: ${targets.source}\n`);
for (const check of checks) {
  const started = performance.now();
  let problem: string | undefined;
  try {
    const response = await request(check.url, { headers: check.headers, dispatcher: check.url.startsWith("https:") ? insecure : undefined, headersTimeout: 10_000, bodyTimeout: 10_000 });
    problem = check.expect(response.statusCode, await response.body.text());
  } catch (error) {
    problem = (error as Error).message;
  }
  const ms = Math.round(performance.now() - started);
  if (problem !== undefined) failed += 1;
  process.stdout.write(`  ${problem === undefined ? "ok  " : "FAIL"}  ${check.name.padEnd(24)} ${String(ms).padStart(5)} ms  ${check.url}${problem === undefined ? "" : `  ${problem}`}\n`);
}
await insecure.close();
process.exitCode = failed === 0 ? 0 : 1;
