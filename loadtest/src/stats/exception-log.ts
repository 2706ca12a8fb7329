/**
 * Errors thrown by the harness itself while running a task (not request failures): Locust's
 * `runner.exceptions`, keyed by traceback, listed in `_exceptions.csv`.
 */

export interface ExceptionRecord {
  count: number;
  readonly message: string;
  readonly traceback: string;
  /** Locust lists worker nodes; a single process is "local". */
  readonly nodes: string;
}

export class ExceptionLog {
  private readonly records = new Map<string, ExceptionRecord>();

  record(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const traceback = error instanceof Error ? (error.stack ?? message) : message;
    const known = this.records.get(traceback);
    if (known === undefined) this.records.set(traceback, { count: 1, message, traceback, nodes: "local" });
    else known.count += 1;
  }

  list(): readonly ExceptionRecord[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }
}
