import { execFileSync } from "node:child_process";
import { defineConfig } from "vitest/config";
import type { TestProjectInlineConfiguration } from "vitest/config";

/**
 * The edge tests run twice: against the nginx on PATH (Debian 12: 1.22) and against the newest
 * nginx Debian ships, which `make test` (scripts/test-deps.sh) unpacks into a cache directory.
 * Without that cache (a bare `npx vitest`), the second run is left out with a warning.
 */
function currentNginxProject(): TestProjectInlineConfiguration[] {
  let binary: string;
  try {
    binary = execFileSync("bash", ["scripts/nginx-current.sh", "--cached"], { encoding: "utf8" }).trim();
  } catch {
    console.warn("vitest: no current nginx cached (run scripts/nginx-current.sh or make test): the edge tests run on the system nginx only");
    return [];
  }
  return [{ extends: true, test: { name: "edge on current nginx", include: ["tests/edge-*.test.ts"], env: { NGINX_BIN: binary } } }];
}

export default defineConfig({
  test: {
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core machines: integration tests start real servers; keep parallelism modest.
    maxWorkers: 2,
    pool: "forks",
    projects: [{ extends: true, test: { name: "pharos", include: ["gateway/**/*.test.ts", "loadtest/**/*.test.ts", "tests/**/*.test.ts"] } }, ...currentNginxProject()],
  },
});
