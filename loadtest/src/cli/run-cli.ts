/** pharos-load's commands: run (default), replay, compare. Usage errors print and exit 2. */
import { compareCommand } from "../compare/compare-command.ts";
import { replayCommand } from "../replay/replay-command.ts";
import type { CliIo } from "./cli-io.ts";
import { runCommand } from "./run-command.ts";
import { EXIT_USAGE, UsageError } from "./usage-error.ts";

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "compare") return await compareCommand(rest, io);
    if (command === "replay") return await replayCommand(rest, io);
    return await runCommand(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`pharos-load: error: ${error.message}\n`);
    return EXIT_USAGE;
  }
}
