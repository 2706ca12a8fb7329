/**
 * docker-compose.yml, .env.example and the Dockerfile, checked without a Docker engine:
 * `docker-compose config` validates the file (and refuses to run without the secrets), no
 * secret is written in it, .env.example documents every variable it reads, the services have
 * healthchecks and health-gated dependencies, and the image is multi-stage, non-root, under
 * tini, with a HEALTHCHECK on the separate health port. `make validate` runs all ten of its checks
 * and every one is ok (a skipped check fails the test).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "./support/gateway-process.ts";
import { removeTempDirs, tempDir } from "./support/temp-dir.ts";

const COMPOSE_TEXT = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");
const ENV_EXAMPLE = readFileSync(join(ROOT, ".env.example"), "utf8");

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
}
const compose = parse(COMPOSE_TEXT) as { services: Record<string, Service> };

function composeConfig(envFile: string, ...args: string[]): { status: number | null; output: string } {
  const result = spawnSync("docker-compose", ["--env-file", envFile, "-f", join(ROOT, "docker-compose.yml"), ...args], {
    cwd: ROOT,
    env: { ...process.env, PHAROS_ENV_FILE: envFile },
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

afterAll(() => removeTempDirs());

describe("docker-compose.yml", () => {
  it("validates with docker-compose config (every profile), and names a missing secret when one is unset", () => {
    expect(composeConfig(join(ROOT, ".env.example"), "config", "-q")).toEqual({ status: 0, output: "" });
    const services = composeConfig(join(ROOT, ".env.example"), "--profile", "bench", "--profile", "ollama", "config", "--services");
    expect(services.output.trim().split("\n").sort()).toEqual(
      ["alertmanager", "gateway", "grafana", "mock-upstream", "nginx", "nginx-exporter", "node-exporter", "ollama", "postgres", "prometheus", "redis"].sort(),
    );
    const withoutKey = join(tempDir(), "env");
    writeFileSync(withoutKey, ENV_EXAMPLE.replace(/^LITELLM_MASTER_KEY=.*$/m, ""));
    const refused = composeConfig(withoutKey, "config", "-q");
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain("set LITELLM_MASTER_KEY in .env");
  });

  it("writes no secret: every password, key and webhook comes from the environment", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET|KEY|TOKEN|WEBHOOK/.test(variable)) expect(String(value), `${name}.${variable}`).toMatch(/^\$\{[A-Z_]+(:?[-?][^}]*)?\}$/);
      }
    }
  });

  it("documents in .env.example every variable the compose file reads", () => {
    const read = new Set([...COMPOSE_TEXT.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]!));
    const documented = new Set([...ENV_EXAMPLE.matchAll(/^#?\s*([A-Z_][A-Z0-9_]*)=/gm)].map((match) => match[1]!));
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
  });

  it("gates startup on health: healthchecks on the stateful services, depends_on service_healthy", () => {
    for (const name of ["gateway", "postgres", "redis", "nginx"]) expect(compose.services[name]?.healthcheck, name).toBeDefined();
    expect(compose.services["gateway"]?.depends_on).toEqual({ postgres: { condition: "service_healthy" }, redis: { condition: "service_healthy" } });
    expect(compose.services["nginx"]?.depends_on).toEqual({ gateway: { condition: "service_healthy" } });
    expect(compose.services["ollama"]?.profiles).toEqual(["ollama"]);
    expect(compose.services["mock-upstream"]?.profiles).toEqual(["bench"]);
    // Data stores and the gateway are published on loopback only; nginx is the public door.
    for (const name of ["gateway", "postgres", "redis", "prometheus", "alertmanager", "grafana"]) {
      for (const port of compose.services[name]?.ports ?? []) expect(port, name).toMatch(/^"?127\.0\.0\.1:/);
    }
    expect(compose.services["nginx"]?.ports).toEqual(["${NGINX_HTTP_PORT:-80}:80", "${NGINX_HTTPS_PORT:-443}:443"]);
  });

  it("keeps the edge's limits equal to the gateway's (body size, request timeout)", () => {
    const render = readFileSync(join(ROOT, "nginx/render.sh"), "utf8");
    const config = parse(readFileSync(join(ROOT, "deploy/config.yaml"), "utf8")) as { general_settings: { max_request_size_mb: number }; litellm_settings: { request_timeout: number } };
    expect(render).toContain(`NGINX_CLIENT_MAX_BODY_SIZE:=${config.general_settings.max_request_size_mb}m`);
    expect(Number(/NGINX_PROXY_READ_TIMEOUT:=(\d+)s/.exec(render)?.[1])).toBeGreaterThanOrEqual(config.litellm_settings.request_timeout);
    // The upstream keep-alive must end before the gateway's (5 s, gateway/src/server.ts).
    expect(readFileSync(join(ROOT, "gateway/src/server.ts"), "utf8")).toContain("KEEP_ALIVE_TIMEOUT_MS = 5_000");
    expect(Number(/NGINX_UPSTREAM_KEEPALIVE_TIMEOUT:=(\d+)s/.exec(render)?.[1])).toBeLessThan(5);
  });
});

describe("Dockerfile", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const dockerignore = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));

  it("builds in stages, installs production dependencies only, runs as non-root under tini with a health-port HEALTHCHECK", () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/sbin\/tini", "--", "node", "\/app\/dist\/gateway\/src\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\$\{SEPARATE_HEALTH_PORT\}\/health\/liveliness/m);
    expect(dockerfile).toMatch(/SEPARATE_HEALTH_APP=1/);
  });

  it("copies only files the build context keeps (.dockerignore), and keeps secrets and local state out", () => {
    // Docker's rule: a pattern excludes a path when it matches the path or one of its parent
    // directories; the last matching pattern wins ("!" re-includes). `**/` is zero or more dirs.
    const globRegex = (glob: string): RegExp => {
      const parts = glob.split(/(\*\*\/|\*\*|\*)/).map((part) => {
        if (part === "**/") return "(?:.*/)?";
        if (part === "**") return ".*";
        if (part === "*") return "[^/]*";
        return part.replace(/[.+?^$()|[\]{}\\]/g, "\\$&");
      });
      return new RegExp(`^${parts.join("")}$`);
    };
    const kept = (path: string): boolean => {
      const prefixes = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
      let included = true;
      for (const rule of dockerignore) {
        const negated = rule.startsWith("!");
        const pattern = globRegex(negated ? rule.slice(1) : rule);
        if (prefixes.some((prefix) => pattern.test(prefix))) included = negated;
      }
      return included;
    };
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm)].flatMap((match) => match[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(kept(source.replace(/\/$/, "") + (source.endsWith("src") ? "/main.ts" : "")), source).toBe(true);
    for (const secret of [".env", "nginx/ssl/privkey.pem", "node_modules/x", ".stack/stack.json", ".git/config", "gateway/src/main.test.ts"]) expect(kept(secret), secret).toBe(false);
  });
});

/** The checks scripts/validate.ts runs, in its order. */
const VALIDATE_CHECKS = ["compose", "nginx", "gateway config", "gateway config (k8s)", "prometheus", "rules", "alertmanager", "dashboards", "grafana provisioning", "kubernetes"];

describe("make validate", () => {
  it("runs every check, and every one is ok: none skipped (CI has every tool: scripts/test-deps.sh), none failed", () => {
    const result = spawnSync("make", ["--no-print-directory", "validate"], { cwd: ROOT, encoding: "utf8", env: process.env });
    const output = `${result.stdout}${result.stderr}`;
    // One line per check: "  <status>  <name padded to 22>  <detail>".
    const reported = output
      .split("\n")
      .filter((line) => /^ {2}(ok|skip|FAIL) /.test(line))
      .map((line) => ({ status: line.slice(2, 6).trim(), name: line.slice(8, 30).trim(), line }));
    expect(reported.map((check) => check.name), output).toEqual(VALIDATE_CHECKS);
    expect(reported.filter((check) => check.status !== "ok").map((check) => check.line), output).toEqual([]);
    expect(output, output).toContain("make validate: every config file lints");
    expect(result.status).toBe(0);
    // The checks ran the real tools on the real files.
    const detail = (name: string): string => reported.find((check) => check.name === name)?.line ?? "";
    expect(detail("prometheus")).toMatch(/SUCCESS/);
    expect(detail("rules")).toMatch(/\b1\d rule files/);
    expect(detail("dashboards")).toMatch(/7 dashboards parse/);
    expect(detail("kubernetes")).toMatch(/base \(\d+ objects\), overlays\/example \(\d+ objects\)/);
  }, 120_000);
});
