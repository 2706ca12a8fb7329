/**
 * The native stack for real: `make stack` starts gateways, Redis, PostgreSQL (own data dir),
 * nginx, the exporters, Prometheus and Alertmanager (when their configs exist) as local
 * processes from the compose stack's files; a request goes through nginx to a gateway and on
 * to the bench mock upstream; `make check` and `make probe` report on it (and fail when a target
 * or a model group does); `make stack-down` leaves none of those processes behind.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { groupAlive, tcpOpen } from "../scripts/stack/processes.ts";
import { portPlan } from "../scripts/stack/stack.ts";
import type { PortPlan, StackState } from "../scripts/stack/stack.ts";
import { ROOT } from "./support/gateway-process.ts";
import { removeTempDirs, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const runDir = tempDir("pharos-stack-test-");

/** The kernel's ephemeral range: other tests' listen(0) and client sockets take ports from it at any time. */
function ephemeralStart(): number {
  const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  return low !== undefined && Number.isFinite(low) ? low : 32_768;
}

/** A port base whose whole plan is free and below the ephemeral range, so nothing else grabs a port between this check and the stack's bind. */
async function freeBase(): Promise<number> {
  const span = 444; // portPlan: base … base + 443
  const slots = Math.max(1, Math.floor((ephemeralStart() - span - 20_000) / 100) + 1);
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * slots) * 100;
    const plan = portPlan(base, 2);
    const ports = [...plan.gateways.flatMap((gateway) => [gateway.port, gateway.health, gateway.metrics]), plan.nginxHttp, plan.nginxHttps, plan.nginxStatus, plan.prometheus, plan.alertmanager, plan.nodeExporter, plan.nginxExporter, plan.mockUpstream, plan.redis, plan.postgres];
    const open = await Promise.all(ports.map((port) => tcpOpen(port)));
    if (!open.some(Boolean)) return base;
  }
  throw new Error("no free port range");
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function make(target: string, env: Record<string, string>): { status: number | null; output: string } {
  const result = spawnSync("make", ["--no-print-directory", target], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: 180_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function processesMentioning(text: string): string[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return [];
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        return cmdline.includes(text) ? [`${pid} ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

let env: Record<string, string> = {};

afterAll(() => {
  // Whatever happened, leave nothing running.
  if (existsSync(join(runDir, "stack.json"))) make("stack-down", env);
  removeTempDirs();
});

describe("make stack / make stack-down", () => {
  it("starts the stack from the compose files, serves through nginx, and stops every process it started", async () => {
    const base = await freeBase();
    env = { STACK_DIR: runDir, STACK_PORT_BASE: String(base), STACK_GATEWAYS: "2", STACK_NUM_WORKERS: "1", STACK_PROFILES: "bench", STACK_ENV_FILE: join(ROOT, ".env.example") };
    const up = make("stack", env);
    expect(up.status, up.output).toBe(0);
    const state = JSON.parse(readFileSync(join(runDir, "stack.json"), "utf8")) as StackState;
    const plan: PortPlan = state.ports;
    const names = state.processes.map((started) => started.name);
    expect(names).toEqual(expect.arrayContaining(["redis", "postgres", "mock-upstream", "gateway-1", "gateway-2", "nginx", "node-exporter", "nginx-exporter"]));
    if (existsSync(join(ROOT, "prometheus/prometheus.yml"))) expect(names).toContain("prometheus");
    if (existsSync(join(ROOT, "alerts/alertmanager.yml"))) expect(names).toContain("alertmanager");
    expect(up.output).toContain("skipped: grafana");
    for (const started of state.processes) {
      expect(groupAlive(started.pid), started.name).toBe(true);
      expect(readFileSync(join(runDir, "pids", `${started.name}.pid`), "utf8").trim()).toBe(String(started.pid));
    }

    // A completion through nginx → a gateway → the bench mock upstream (deploy/config.yaml).
    const agent = new Agent({ allowH2: false, connect: { rejectUnauthorized: false } });
    const headers = { authorization: "Bearer sk-change-me", "content-type": "application/json" };
    for (let i = 0; i < 4; i++) {
      const response = await request(`https://127.0.0.1:${plan.nginxHttps}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model: "bench-mock", messages: [{ role: "user", content: "hi" }] }), dispatcher: agent });
      expect(response.statusCode).toBe(200);
      expect(response.headers["x-litellm-model-id"]).toBe("bench-mock-0");
      await response.body.text();
    }
    await agent.close();
    const upstreams = new Set(
      readFileSync(join(runDir, "logs", "nginx-access.log"), "utf8")
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { upstream_addr: string }).upstream_addr),
    );
    expect(upstreams).toEqual(new Set(plan.gateways.map((gateway) => `127.0.0.1:${gateway.port}`)));

    // The gateways use the stack's Redis (password from the env file) and PostgreSQL.
    expect(spawnSync("redis-cli", ["-p", String(plan.redis), "ping"], { encoding: "utf8" }).stdout).toMatch(/NOAUTH/);
    expect(spawnSync("redis-cli", ["-p", String(plan.redis), "--no-auth-warning", "-a", "change-me", "ping"], { encoding: "utf8" }).stdout.trim()).toBe("PONG");
    const health = (await (await fetch(`http://127.0.0.1:${plan.gateways[0]!.health}/health/readiness`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(health)).toMatch(/postgres|connected|database/i);
    // The exporters answer; nginx's exporter reads stub_status.
    const nginxMetrics = await (await fetch(`http://127.0.0.1:${plan.nginxExporter}/metrics`)).text();
    expect(nginxMetrics).toMatch(/^nginx_up 1$/m);
    if (names.includes("prometheus")) {
      // prometheus.yml's compose targets were mapped to this stack's addresses.
      const rendered = parse(readFileSync(join(runDir, "prometheus/prometheus.yml"), "utf8")) as { rule_files: string[] };
      expect(rendered.rule_files.every((file) => file.startsWith(ROOT))).toBe(true);
      // Service discovery takes a moment after start.
      const urls = await waitFor(async () => {
        const targets = (await (await fetch(`http://127.0.0.1:${plan.prometheus}/api/v1/targets`)).json()) as { data: { activeTargets: { scrapeUrl: string }[] } };
        const found = targets.data.activeTargets.map((target) => target.scrapeUrl);
        return found.some((url) => url.endsWith(`:${plan.gateways[1]!.port}/metrics`)) ? found : undefined;
      }, { what: "Prometheus targets" });
      expect(urls.every((url) => url.startsWith("http://127.0.0.1:"))).toBe(true);
      expect(urls).toContain(`http://127.0.0.1:${plan.gateways[1]!.port}/metrics`);
    }

    // `make check` and `make probe` against this stack, pointed by PHAROS_URL / PHAROS_HEALTH_URL /
    // EDGE_URL at the second gateway (urls.env names the first: the overrides win).
    const second = plan.gateways[1]!;
    const targets = { PHAROS_URL: `http://127.0.0.1:${second.port}`, PHAROS_HEALTH_URL: `http://127.0.0.1:${second.health}`, EDGE_URL: `https://127.0.0.1:${plan.nginxHttps}`, LITELLM_MASTER_KEY: "sk-change-me" };
    const check = make("check", { ...env, ...targets });
    expect(check.output).toContain("make check: environment");
    for (const [name, url] of [
      ["health app (liveliness)", `${targets.PHAROS_HEALTH_URL}/health/liveliness`],
      ["readiness", `${targets.PHAROS_URL}/health/readiness`],
      ["models", `${targets.PHAROS_URL}/v1/models`],
      ["metrics", `${targets.PHAROS_URL}/metrics`],
      ["edge (nginx)", `${targets.EDGE_URL}/health/liveliness`],
    ]) {
      expect(check.output, check.output).toMatch(new RegExp(`^  ok  {3}${escapeRegExp(name!)} +\\d+ ms  ${escapeRegExp(url!)}$`, "m"));
    }
    expect(check.status, check.output).toBe(0);
    // A target that does not answer is a FAIL line and exit 1 (port 1: nothing listens there).
    const broken = make("check", { ...env, ...targets, EDGE_URL: "https://127.0.0.1:1" });
    expect(broken.output).toMatch(/^ {2}FAIL {2}edge \(nginx\) +\d+ ms {2}https:\/\/127\.0\.0\.1:1\/health\/liveliness {2}\S/m);
    expect(broken.output.match(/^ {2}ok {3}/gm)).toHaveLength(4);
    expect(broken.status).not.toBe(0);

    // One request per model group of deploy/config.yaml: the in-process fakes and the bench mock
    // answer; ollama-local has no Ollama server in this stack (no `ollama` profile), so it fails
    // and the exit code says so.
    const probe = make("probe", { ...env, ...targets, PROBE_TIMEOUT_MS: "20000" });
    expect(probe.output).toContain(`make probe: ${targets.PHAROS_URL} (environment)`);
    expect(probe.output).toMatch(/^ {2}model group +mode +status +ms +deployment +detail$/m);
    expect(probe.output).toMatch(/^ {2}fake-openai-endpoint +chat +200 +\d+ +fake-openai-endpoint-0$/m);
    expect(probe.output).toMatch(/^ {2}fake-embedding-endpoint +embedding +200 +\d+ +\S+$/m);
    expect(probe.output).toMatch(/^ {2}bench-mock +chat +200 +\d+ +bench-mock-0$/m);
    expect(probe.output).toMatch(/^ {2}ollama-local +chat +(?!200 )\S+ +\d+ +\S+ +\S.*$/m);
    expect(probe.output).toContain("3/4 model groups answered");
    expect(probe.status, probe.output).not.toBe(0);

    // A second `make stack` on the same directory refuses.
    const again = make("stack", env);
    expect(again.status).not.toBe(0);
    expect(again.output).toContain("already running");

    const down = make("stack-down", env);
    expect(down.status, down.output).toBe(0);
    for (const started of state.processes) expect(groupAlive(started.pid), `${started.name} still running`).toBe(false);
    expect(processesMentioning(runDir)).toEqual([]);
    expect(readdirSync(join(runDir, "pids"))).toEqual([]);
    expect(existsSync(join(runDir, "stack.json"))).toBe(false);
    for (const port of [plan.gateways[0]!.port, plan.nginxHttps, plan.redis, plan.postgres]) expect(await tcpOpen(port), `port ${port}`).toBe(false);
  }, 240_000);
});
