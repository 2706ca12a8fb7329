/**
 * `make validate`: every config file of the stack lints with the tool that runs it —
 * docker-compose.yml (`docker-compose config -q`), nginx/ (`nginx -t`, rendered as the stack
 * runs it), prometheus.yml (`promtool check config`), rule files (`promtool check rules`),
 * alertmanager.yml (`amtool check-config`), dashboards and Grafana provisioning (parse), the
 * gateway configs (`pharos check-config`) and the Kubernetes base and example overlay
 * (`kubectl kustomize`, or `kustomize build`, or the built-in renderer of scripts/kustomize.ts when
 * neither is installed). A check whose files do not exist is skipped with a message, not failed;
 * tests/deploy-compose.test.ts requires every check to be ok.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { kustomizeBuild, kustomizeTool } from "./kustomize.ts";
import { readCompose, readEnvFile, serviceEnvironment } from "./stack/compose-map.ts";
import { REPO_ROOT, renderNginx, testNginx } from "./stack/nginx.ts";
import { addressTable, portPlan, renderMonitoring } from "./stack/stack.ts";

type Outcome = { readonly status: "ok" | "skip" | "FAIL"; readonly detail: string };

const ENV_FILE = existsSync(join(REPO_ROOT, ".env")) ? join(REPO_ROOT, ".env") : join(REPO_ROOT, ".env.example");
const work = mkdtempSync(join(tmpdir(), "pharos-validate-"));

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Outcome {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, env, encoding: "utf8" });
  if (result.error !== undefined) return { status: "FAIL", detail: `${command}: ${(result.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed (make test-deps)" : result.error.message}` };
  const output = `${result.stdout}${result.stderr}`.trim();
  return result.status === 0 ? { status: "ok", detail: (output.split("\n").at(-1) ?? "").trim() } : { status: "FAIL", detail: output };
}

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path, pattern) : pattern.test(entry) ? [path] : [];
  });
}

const rel = (path: string): string => relative(REPO_ROOT, path);

function composeCheck(): Outcome {
  const [command, prefix] = has("docker-compose") ? ["docker-compose", []] : ["docker", ["compose"]];
  const env = { ...process.env, PHAROS_ENV_FILE: ENV_FILE };
  for (const profiles of [[], ["--profile", "bench", "--profile", "ollama"]]) {
    const outcome = run(command, [...prefix, "--env-file", ENV_FILE, "-f", "docker-compose.yml", ...profiles, "config", "-q"], env);
    if (outcome.status !== "ok") return outcome;
  }
  return { status: "ok", detail: `all profiles, with ${rel(ENV_FILE)}` };
}

function nginxCheck(): Outcome {
  const certs = join(work, "certs");
  const made = run("bash", [join(REPO_ROOT, "scripts/certs.sh"), certs]);
  if (made.status !== "ok") return made;
  for (const plain of ["redirect", "serve"]) {
    const dir = join(work, `nginx-${plain}`);
    try {
      // Compose service names do not resolve here: the upstream is a loopback address.
      const rendered = renderNginx(dir, {
        NGINX_UPSTREAMS: "127.0.0.1:4000 127.0.0.1:4010",
        NGINX_PLAIN_HTTP: plain,
        NGINX_SSL_CERTIFICATE: join(certs, "fullchain.pem"),
        NGINX_SSL_CERTIFICATE_KEY: join(certs, "privkey.pem"),
        NGINX_ACCESS_LOG: join(dir, "logs", "access.log"),
      });
      testNginx(rendered);
    } catch (error) {
      return { status: "FAIL", detail: (error as Error).message };
    }
  }
  const version = spawnSync("nginx", ["-v"], { encoding: "utf8" }).stderr.trim();
  return { status: "ok", detail: `nginx -t (${version.replace("nginx version: ", "")}), plain HTTP redirect and serve` };
}

/** The environment the gateway container gets: the env file, then the compose service's own. */
function gatewayEnv(): Record<string, string> {
  const env = readEnvFile(ENV_FILE);
  const compose = readCompose(join(REPO_ROOT, "docker-compose.yml"), env);
  return { ...env, ...serviceEnvironment(compose.services["gateway"]!) };
}

function gatewayConfigCheck(file: string): Outcome {
  if (!existsSync(join(REPO_ROOT, file))) return { status: "skip", detail: `${file} does not exist` };
  const main = join(REPO_ROOT, "dist/gateway/src/main.js");
  if (!existsSync(main)) return { status: "FAIL", detail: "dist/ is missing: npm run build" };
  const outcome = run(process.execPath, [main, "check-config", file], { PATH: process.env["PATH"], HOME: process.env["HOME"], ...gatewayEnv() });
  return outcome.status === "ok" ? { status: "ok", detail: outcome.detail.includes("OK") ? outcome.detail : "OK" } : outcome;
}

function monitoring(): ReturnType<typeof renderMonitoring> {
  const env = readEnvFile(ENV_FILE);
  const compose = readCompose(join(REPO_ROOT, "docker-compose.yml"), env);
  return renderMonitoring(compose, join(work, "stack"), addressTable(portPlan(14000, 2)), env);
}

function prometheusCheck(): Outcome {
  if (!existsSync(join(REPO_ROOT, "prometheus/prometheus.yml"))) return { status: "skip", detail: "prometheus/prometheus.yml does not exist yet (monitoring issue)" };
  const rendered = monitoring().prometheus!;
  // The paths mounted into the container (rules, file_sd) mapped back to the repository.
  return run("promtool", ["check", "config", rendered]);
}

function rulesCheck(): Outcome {
  const files = [...filesUnder(join(REPO_ROOT, "prometheus/rules"), /\.ya?ml$/), ...filesUnder(join(REPO_ROOT, "alerts"), /\.rules\.ya?ml$/)];
  if (files.length === 0) return { status: "skip", detail: "no rule files yet (prometheus/rules/, alerts/*.rules.yml)" };
  const outcome = run("promtool", ["check", "rules", ...files]);
  return outcome.status === "ok" ? { status: "ok", detail: `${files.length} rule files` } : outcome;
}

function alertmanagerCheck(): Outcome {
  if (!existsSync(join(REPO_ROOT, "alerts/alertmanager.yml"))) return { status: "skip", detail: "alerts/alertmanager.yml does not exist yet (monitoring issue)" };
  const rendered = monitoring().alertmanager!;
  const outcome = run("amtool", ["check-config", rendered]);
  return outcome.status === "ok" ? { status: "ok", detail: "amtool check-config" } : outcome;
}

function dashboardsCheck(): Outcome {
  const files = filesUnder(join(REPO_ROOT, "dashboards"), /\.json$/);
  if (files.length === 0) return { status: "skip", detail: "no dashboards/*.json yet (monitoring issue)" };
  for (const file of files) {
    try {
      const dashboard = JSON.parse(readFileSync(file, "utf8")) as { uid?: unknown; panels?: unknown };
      if (typeof dashboard.uid !== "string" || !Array.isArray(dashboard.panels)) return { status: "FAIL", detail: `${rel(file)}: expected a dashboard with a uid and panels` };
    } catch (error) {
      return { status: "FAIL", detail: `${rel(file)}: ${(error as Error).message}` };
    }
  }
  return { status: "ok", detail: `${files.length} dashboards parse` };
}

function grafanaCheck(): Outcome {
  const files = filesUnder(join(REPO_ROOT, "grafana"), /\.ya?ml$/);
  if (files.length === 0) return { status: "skip", detail: "no grafana/ provisioning yet (monitoring issue)" };
  for (const file of files) {
    try {
      const parsed = parse(readFileSync(file, "utf8")) as { apiVersion?: unknown };
      if (parsed?.apiVersion !== 1) return { status: "FAIL", detail: `${rel(file)}: expected apiVersion: 1` };
    } catch (error) {
      return { status: "FAIL", detail: `${rel(file)}: ${(error as Error).message}` };
    }
  }
  return { status: "ok", detail: `${files.length} provisioning files parse` };
}

function kubernetesCheck(): Outcome {
  if (!existsSync(join(REPO_ROOT, "deploy/k8s/base/kustomization.yaml"))) return { status: "skip", detail: "deploy/k8s/base does not exist" };
  // Without kubectl or kustomize, the renderer the test suite checks against kubectl's output.
  const tool = kustomizeTool();
  const rendered: string[] = [];
  for (const dir of ["deploy/k8s/base", "deploy/k8s/overlays/example"]) {
    try {
      const { objects } = kustomizeBuild(join(REPO_ROOT, dir), tool);
      const broken = objects.find((object) => typeof object.kind !== "string" || typeof object.metadata?.name !== "string");
      if (objects.length === 0 || broken !== undefined) return { status: "FAIL", detail: `${dir}: ${objects.length === 0 ? "renders nothing" : "an object without kind or name"}` };
      rendered.push(`${dir.replace("deploy/k8s/", "")} (${objects.length} objects)`);
    } catch (error) {
      return { status: "FAIL", detail: `${dir}: ${(error as Error).message}` };
    }
  }
  const how = tool === "kubectl" ? "kubectl kustomize" : tool === "kustomize" ? "kustomize build" : "built-in renderer (no kubectl or kustomize installed)";
  return { status: "ok", detail: `${how}: ${rendered.join(", ")} (schemas: tests/deploy-k8s.test.ts)` };
}

const checks: [string, () => Outcome][] = [
  ["compose", composeCheck],
  ["nginx", nginxCheck],
  ["gateway config", () => gatewayConfigCheck("deploy/config.yaml")],
  ["gateway config (k8s)", () => gatewayConfigCheck("deploy/k8s/base/config.yaml")],
  ["prometheus", prometheusCheck],
  ["rules", rulesCheck],
  ["alertmanager", alertmanagerCheck],
  ["dashboards", dashboardsCheck],
  ["grafana provisioning", grafanaCheck],
  ["kubernetes", kubernetesCheck],
];

let failed = 0;
try {
  for (const [name, check] of checks) {
    let outcome: Outcome;
    try {
      outcome = check();
    } catch (error) {
      outcome = { status: "FAIL", detail: (error as Error).message };
    }
    if (outcome.status === "FAIL") failed += 1;
    const detail = outcome.status === "FAIL" ? `\n${outcome.detail.replace(/^/gm, "        ")}` : `  ${outcome.detail}`;
    process.stdout.write(`  ${outcome.status.padEnd(4)}  ${name.padEnd(22)}${detail}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(failed === 0 ? "make validate: every config file lints\n" : `make validate: ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
