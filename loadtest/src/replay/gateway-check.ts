/**
 * Before `replay` (`make loadtest`) starts its users, and before `compare` starts its rounds: is a
 * gateway listening at each target? One GET of /health/readiness with a short timeout, so a
 * missing gateway is one clear error instead of a whole run of connection errors. Any HTTP answer means something is listening; a 5xx
 * answer (Pharos' readiness says 503 while its database or cache is down) is worth a warning.
 */
import { request } from "undici";
import { UsageError } from "../cli/usage-error.ts";

export const READINESS_PATH = "/health/readiness";
export const GATEWAY_CHECK_TIMEOUT_MS = 2000;

/** The readiness URL under the target, appended as the run appends paths (`host + path`). */
export function readinessUrl(host: string): string {
  return `${host.replace(/\/+$/, "")}${READINESS_PATH}`;
}

function cause(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs} ms`;
  const code = error !== null && typeof error === "object" && "code" in error ? String(error.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined || message.includes(code) ? message : `${code}: ${message}`;
}

/** What replay says to do when nothing answers. */
const START_A_GATEWAY = "start it with `make run` or `make stack` first";

/**
 * Resolves with the HTTP status of the readiness check; a UsageError when nothing answers in
 * time, saying `advice` (what to do about it).
 */
export async function checkGateway(host: string, advice = START_A_GATEWAY, timeoutMs = GATEWAY_CHECK_TIMEOUT_MS): Promise<number> {
  const url = readinessUrl(host);
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, { method: "GET", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UsageError(`no gateway at ${host}: ${advice} (GET ${url}: ${cause(error, timeoutMs)})`);
  }
  // the status is the answer; the body only has to be drained, a slow or broken one changes nothing
  await response.body.dump().catch(() => undefined);
  return response.statusCode;
}
