/**
 * The system's Node.js (Debian's), when it is older than the one Pharos needs: what a user who
 * forgot to switch runs `pharos` or `pharos-load` with. Undefined where there is none.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const OLD_NODE = ((): { path: string; version: string } | undefined => {
  const path = "/usr/bin/node";
  if (!existsSync(path)) return undefined;
  const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim();
  return Number(/^v(\d+)\./.exec(version)?.[1] ?? "99") < 22 ? { path, version } : undefined;
})();
