/** Database failures on admin routes, as catalogue errors (a 503 that says why). */
import { GatewayError } from "../errors.ts";
import { isConnectivityError } from "./database.ts";
import { DatabaseUnavailableError } from "./db-manager.ts";

export function databaseGatewayError(error: unknown): unknown {
  if (error instanceof GatewayError) return error;
  if (error instanceof DatabaseUnavailableError || isConnectivityError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new GatewayError("service_unavailable", `The database is unavailable: ${message.replace(/^the database is unavailable: /, "")}`, { retryAfterSeconds: 5, cause: error });
  }
  return error;
}

/** Runs an admin operation; database outages become a 503. */
export async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw databaseGatewayError(error);
  }
}
