/**
 * Vitest global setup: compile the project once, so end-to-end tests run the JavaScript that
 * ships (`dist/`), exactly as `pharos` runs in production.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

export default function setup(): void {
  const root = resolve(import.meta.dirname, "../..");
  const tsc = resolve(root, "node_modules/.bin/tsc");
  const result = spawnSync(tsc, ["-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
  // Type errors do not stop the emit (the typecheck step reports them); a crash does.
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0 && result.stdout.trim() !== "") process.stderr.write(`tsc reported:\n${result.stdout.slice(0, 4000)}\n`);
}
