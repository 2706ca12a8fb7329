/**
 * The `pharos` command line: serve | check-config | mock-upstream (main.ts loads it once the
 * Node.js version is known to be good). Boot order for serve: config → telemetry → stores → app
 * → listen (cli/serve.ts).
 */
import { PHAROS_VERSION } from "../version.ts";
import { parseCli, USAGE } from "./args.ts";
import { describeFailure } from "./failure.ts";

// Each command loads only what it runs: `mock-upstream` and `check-config` never load the gateway.

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
      const { checkConfig } = await import("./check-config.ts");
      const result = await checkConfig(args.file);
      (result.ok ? process.stdout : process.stderr).write(`${result.lines.join("\n")}\n`);
      return result.ok ? 0 : 1;
    }
    case "mock-upstream": {
      const { mockUpstreamCommand } = await import("./mock-upstream.ts");
      await mockUpstreamCommand(args);
      return undefined;
    }
    case "serve": {
      const { serveCommand } = await import("./serve.ts");
      await serveCommand(args);
      return undefined;
    }
  }
}

/** Runs one `pharos` command; a failure is printed in one line (cli/failure.ts) and ends the process. */
export function runCli(argv: readonly string[]): void {
  main(argv).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (error: unknown) => {
      const failure = describeFailure(error);
      process.stderr.write(`${failure.text}\n`);
      // A failed command ends here, whatever it left open (a half-booted gateway, a pool, a timer).
      process.exit(failure.exitCode);
    },
  );
}
