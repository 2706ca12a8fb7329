#!/usr/bin/env node
/**
 * The `pharos` command. This file only checks the Node.js version, then loads the command line
 * (cli/run.ts). Static imports are evaluated before any code of the importing module runs, so
 * everything that needs a recent Node (undici) is imported dynamically, after the check: on an
 * older Node the user reads which version to install instead of undici's TypeError.
 */
import { exitIfNodeTooOld } from "./node-version.ts";

exitIfNodeTooOld();
const { runCli } = await import("./cli/run.ts");
runCli(process.argv.slice(2));
