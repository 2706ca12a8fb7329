/**
 * Failure texts as Locust records them (the Error column of `_failures.csv`): an HTTP error is
 * Python requests' `HTTPError('500 Server Error: Internal Server Error for url: URL')`; network
 * errors and failed streams use the same `Name('message')` form with Node's error code.
 */
import { STATUS_CODES } from "node:http";
import { pyStrRepr } from "../report/python-format.ts";

export function httpErrorText(status: number, url: string): string {
  const kind = status >= 500 ? "Server" : "Client";
  return `HTTPError(${pyStrRepr(`${status} ${kind} Error: ${STATUS_CODES[status] ?? "Unknown"} for url: ${url}`)})`;
}

export function networkErrorText(error: unknown): string {
  const code = error !== null && typeof error === "object" && "code" in error ? String(error.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return `ConnectionError(${pyStrRepr(code === undefined ? message : `${code}: ${message}`)})`;
}

export function streamErrorText(message: string): string {
  return `StreamError(${pyStrRepr(message)})`;
}

/** Python requests treats 4xx and 5xx as errors (raise_for_status). */
export function isHttpError(status: number): boolean {
  return status >= 400 && status < 600;
}
