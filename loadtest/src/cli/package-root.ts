/** The package's root directory (where package.json and loadtest/ live), from source or from dist/. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function packageRoot(): string {
  let directory = import.meta.dirname;
  for (;;) {
    if (existsSync(join(directory, "package.json")) && existsSync(join(directory, "loadtest", "scenarios"))) return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`cannot find the pharos package root above ${import.meta.dirname}`);
    directory = parent;
  }
}

export function packageVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8"));
  const version = parsed !== null && typeof parsed === "object" && "version" in parsed ? parsed.version : undefined;
  return typeof version === "string" ? version : "unknown";
}
