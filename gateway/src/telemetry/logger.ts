/**
 * pino JSON logs. Level from LITELLM_LOG (DEBUG, INFO, WARNING, ERROR, CRITICAL); ERROR by
 * default when LITELLM_MODE=PRODUCTION, INFO otherwise. Keys and Authorization headers are
 * redacted wherever they appear; message content is never logged.
 */
import { pino } from "pino";
import type { Logger } from "pino";

const LEVELS: Record<string, string> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  WARN: "warn",
  ERROR: "error",
  CRITICAL: "fatal",
  NONE: "silent",
  SILENT: "silent",
};

export function logLevelFrom(env: NodeJS.ProcessEnv, verbose = false): string {
  const configured = env["LITELLM_LOG"]?.toUpperCase();
  if (configured !== undefined && LEVELS[configured] !== undefined) return LEVELS[configured];
  if (verbose) return "debug";
  return env["LITELLM_MODE"]?.toUpperCase() === "PRODUCTION" ? "error" : "info";
}

export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "api_key",
  "*.api_key",
  "*.*.api_key",
  "apiKey",
  "*.apiKey",
  "master_key",
  "*.master_key",
  "key",
  "*.key",
  "password",
  "*.password",
];

export function createLogger(env: NodeJS.ProcessEnv = process.env, verbose = false): Logger {
  return pino({
    level: logLevelFrom(env, verbose),
    base: { service: "pharos", pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
