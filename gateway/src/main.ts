#!/usr/bin/env node
/**
 * The `pharos` command: serve | check-config | mock-upstream.
 * Boot order for serve: config → telemetry → stores → app → listen (cli/serve.ts).
 */
import { ConfigError } from "./config/load.ts";
import { checkConfig } from "./cli/check-config.ts";
import { mockUpstreamCommand } from "./cli/mock-upstream.ts";
import { parseCli, USAGE, UsageError } from "./cli/args.ts";
import { serveCommand } from "./cli/serve.ts";
import { PHAROS_VERSION } from "./version.ts";

async function main(argv: readonly string[]): Promise<number | undefined> {
  const args = parseCli(argv);
  switch (args.command) {
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case "version":
      process.stdout.write(`pharos ${PHAROS_VERSION}\n`);
      return 0;
    case "check-config": {
      const result = await checkConfig(args.file);
      process.stdout.write(`${result.lines.join("\n")}\n`);
      return result.ok ? 0 : 1;
    }
    case "mock-upstream":
      await mockUpstreamCommand(args);
      return undefined;
    case "serve":
      await serveCommand(args);
      return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`config error in ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof UsageError) {
      process.stderr.write(`pharos: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`pharos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
