/**
 * How `pharos` reports a command that failed: the text for stderr and the exit code (2 for a
 * command line that cannot work, 1 for everything else). A cluster worker sends the same text
 * to its primary, which prints it once, so both modes fail with the same words.
 */
import { ClusterStartError } from "../cluster.ts";
import { ConfigError } from "../config/load.ts";
import { ListenError } from "../listen-error.ts";
import { USAGE, UsageError } from "./args.ts";

export interface Failure {
  readonly text: string;
  readonly exitCode: 1 | 2;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof UsageError) return { text: `pharos: ${error.message}\n\n${USAGE}`, exitCode: 2 };
  if (error instanceof ConfigError) return { text: `config error in ${error.message}`, exitCode: 1 };
  if (error instanceof ListenError) return { text: `pharos: ${error.message}`, exitCode: 1 };
  // Already in the words of the worker that failed.
  if (error instanceof ClusterStartError) return { text: error.message, exitCode: 1 };
  return { text: `pharos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, exitCode: 1 };
}
