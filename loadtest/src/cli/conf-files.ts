/** The config files Locust reads, in increasing precedence: ~/.locust.conf, ./locust.conf, --config FILE. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { ConfFile } from "./flag-values.ts";
import { parseLocustConf } from "./locust-conf.ts";
import type { ParsedArgv } from "./parse-argv.ts";
import { UsageError } from "./usage-error.ts";

function read(path: string): ConfFile {
  return { path, entries: parseLocustConf(readFileSync(path, "utf8"), path) };
}

export function loadConfFiles(argv: ParsedArgv, cwd: string, env: Readonly<Record<string, string | undefined>>): ConfFile[] {
  const home = env["HOME"] ?? homedir();
  const files = [join(home, ".locust.conf"), join(cwd, "locust.conf")].filter((path) => existsSync(path)).map(read);
  const explicit = argv.values.get("config")?.at(-1);
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`--config ${explicit}: no such file`);
    files.push(read(path));
  }
  return files;
}
