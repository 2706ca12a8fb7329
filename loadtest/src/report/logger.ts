/** Log lines to stderr in Locust's format: `[2024-05-01 12:00:00,123] host/INFO/pharos-load: message`. */
import { hostname } from "node:os";
import type { LogLevel } from "../cli/run-options.ts";

const LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

function timestamp(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},${pad(date.getMilliseconds(), 3)}`;
}

export class Logger {
  private readonly minimum: number;
  private readonly write: (text: string) => void;
  private readonly host = hostname();

  constructor(level: LogLevel, write: (text: string) => void) {
    this.minimum = LEVELS.indexOf(level);
    this.write = write;
  }

  debug(message: string): void {
    this.log("DEBUG", message);
  }

  info(message: string): void {
    this.log("INFO", message);
  }

  warning(message: string): void {
    this.log("WARNING", message);
  }

  error(message: string): void {
    this.log("ERROR", message);
  }

  private log(level: LogLevel, message: string): void {
    if (LEVELS.indexOf(level) < this.minimum) return;
    this.write(`[${timestamp(new Date())}] ${this.host}/${level}/pharos-load: ${message}\n`);
  }
}
