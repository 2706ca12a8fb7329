/**
 * The native stack (`make stack`): the compose stack's services as local processes on
 * 127.0.0.1, built from the same files — docker-compose.yml (commands, environment, mounts),
 * deploy/config.yaml, nginx/, prometheus/, alerts/, grafana/ — with ports and paths mapped
 * (compose-map.ts). Every process gets its own process group and PID file under the run
 * directory; `make stack-down` stops exactly those groups.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { MountMap, readCompose, readEnvFile, serviceEnvironment, translateCommand, translateConfig } from "./compose-map.ts";
import type { AddressTable, ComposeFile, ComposeService, Env, TranslateContext } from "./compose-map.ts";
import { REPO_ROOT, renderNginx, spawnNginx, testNginx } from "./nginx.ts";
import { groupAlive, httpOk, startProcess, stopProcess, tcpOpen, waitReady } from "./processes.ts";
import type { StartedProcess } from "./processes.ts";

export interface StackOptions {
  readonly runDir: string;
  readonly portBase: number;
  readonly gateways: number;
  readonly workersPerGateway: number;
  readonly profiles: readonly string[];
  /** Values for compose interpolation and the gateway's env_file (.env, else .env.example). */
  readonly envFile: string;
  readonly log: (line: string) => void;
}

export interface PortPlan {
  readonly gateways: readonly { readonly port: number; readonly health: number; readonly metrics: number }[];
  readonly nginxHttp: number;
  readonly nginxHttps: number;
  readonly nginxStatus: number;
  readonly prometheus: number;
  readonly alertmanager: number;
  readonly nodeExporter: number;
  readonly nginxExporter: number;
  readonly mockUpstream: number;
  readonly grafana: number;
  readonly redis: number;
  readonly postgres: number;
}

export const MAX_GATEWAYS = 6;

export function portPlan(base: number, gateways: number): PortPlan {
  if (gateways < 1 || gateways > MAX_GATEWAYS) throw new Error(`gateways: 1..${MAX_GATEWAYS}, got ${gateways}`);
  if (base < 1024 || base + 443 > 65535) throw new Error(`port base: 1024..${65535 - 443}, got ${base}`);
  return {
    gateways: Array.from({ length: gateways }, (_, i) => ({ port: base + 10 * i, health: base + 10 * i + 1, metrics: base + 10 * i + 2 })),
    nginxHttp: base + 80,
    nginxStatus: base + 81,
    nginxHttps: base + 443,
    prometheus: base + 90,
    alertmanager: base + 93,
    nodeExporter: base + 100,
    nginxExporter: base + 113,
    mockUpstream: base + 190,
    grafana: base + 300,
    redis: base + 379,
    postgres: base + 432,
  };
}

/** Compose network addresses → the native stack's. */
export function addressTable(plan: PortPlan): AddressTable {
  const local = (port: number): string => `127.0.0.1:${port}`;
  return new Map<string, string[]>([
    ["gateway:4000", plan.gateways.map((gateway) => local(gateway.port))],
    ["gateway:4001", plan.gateways.map((gateway) => local(gateway.health))],
    // The cluster primary's own metrics listener (OTEL_EXPORTER_PROMETHEUS_PORT).
    ["gateway:9464", plan.gateways.map((gateway) => local(gateway.metrics))],
    ["nginx:80", [local(plan.nginxHttp)]],
    ["nginx:443", [local(plan.nginxHttps)]],
    ["nginx:8080", [local(plan.nginxStatus)]],
    ["prometheus:9090", [local(plan.prometheus)]],
    // Prometheus scraping itself from inside its container.
    ["localhost:9090", [local(plan.prometheus)]],
    ["alertmanager:9093", [local(plan.alertmanager)]],
    ["node-exporter:9100", [local(plan.nodeExporter)]],
    ["nginx-exporter:9113", [local(plan.nginxExporter)]],
    ["mock-upstream:8090", [local(plan.mockUpstream)]],
    ["grafana:3000", [local(plan.grafana)]],
    ["redis:6379", [local(plan.redis)]],
    ["postgres:5432", [local(plan.postgres)]],
    ["ollama:11434", ["127.0.0.1:11434"]],
  ]);
}

export interface StackState {
  readonly runDir: string;
  readonly ports: PortPlan;
  readonly processes: StartedProcess[];
  readonly skipped: string[];
  /** The gateways' LITELLM_MASTER_KEY (from the env file), for the printed curl examples. */
  masterKey: string;
}

const STATE_FILE = "stack.json";
const PHAROS_MAIN = join(REPO_ROOT, "dist/gateway/src/main.js");

function which(...names: string[]): string | undefined {
  for (const name of names) {
    const result = spawnSync("sh", ["-c", `command -v "${name}"`], { encoding: "utf8" });
    if (result.status === 0 && result.stdout.trim() !== "") return result.stdout.trim();
  }
  return undefined;
}

function postgresBin(name: string): string {
  const onPath = which(name);
  if (onPath !== undefined && name !== "postgres") return onPath;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const candidate = join(root, version, "bin", name);
      if (existsSync(candidate)) return candidate;
    }
  }
  if (onPath !== undefined) return onPath;
  throw new Error(`${name} not found (install postgresql)`);
}

/** The values compose would interpolate with, and the gateway's env_file. */
export function stackEnv(envFile: string): Record<string, string> {
  return { ...readEnvFile(envFile) };
}

function service(compose: ComposeFile, name: string): ComposeService {
  const definition = compose.services[name];
  if (definition === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return definition;
}

function contextFor(compose: ComposeFile, name: string, runDir: string, addresses: AddressTable, containerDir: string): TranslateContext {
  return { addresses, mounts: new MountMap(name, service(compose, name), REPO_ROOT, runDir), containerDir };
}

/** Translates one YAML config file of a service; returns where it was written. */
function renderYaml(source: string, target: string, context: TranslateContext): string {
  const translated = translateConfig(parse(readFileSync(source, "utf8")) as unknown, context);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, stringify(translated));
  return target;
}

export interface RenderedMonitoring {
  readonly prometheus?: string;
  readonly alertmanager?: string;
  readonly alertmanagerWebhookFile?: string;
  readonly grafanaProvisioning?: string;
  readonly skipped: string[];
}

/** Prometheus, Alertmanager and Grafana provisioning, rendered for local processes (also for `make validate`). */
export function renderMonitoring(compose: ComposeFile, runDir: string, addresses: AddressTable, env: Env): RenderedMonitoring {
  const skipped: string[] = [];
  let prometheus: string | undefined;
  let alertmanager: string | undefined;
  let alertmanagerWebhookFile: string | undefined;
  let grafanaProvisioning: string | undefined;
  const prometheusSource = join(REPO_ROOT, "prometheus/prometheus.yml");
  if (existsSync(prometheusSource)) {
    const context = contextFor(compose, "prometheus", runDir, addresses, "/etc/prometheus");
    prometheus = renderYaml(prometheusSource, join(runDir, "prometheus/prometheus.yml"), context);
    renderFileSd(prometheus, join(runDir, "prometheus/file_sd"), context);
  } else skipped.push("prometheus (prometheus/prometheus.yml does not exist yet)");
  const alertmanagerSource = join(REPO_ROOT, "alerts/alertmanager.yml");
  if (existsSync(alertmanagerSource)) {
    const context = contextFor(compose, "alertmanager", runDir, addresses, "/etc/alertmanager");
    alertmanager = renderYaml(alertmanagerSource, join(runDir, "alertmanager/alertmanager.yml"), context);
    // As the compose service's command does: the webhooks into the secrets tmpfs.
    const webhooks: Record<string, string> = {
      "slack-ops-webhook-url": env["SLACK_WEBHOOK_URL"] ?? "",
      "slack-page-webhook-url": env["SLACK_PAGE_WEBHOOK_URL"] || (env["SLACK_WEBHOOK_URL"] ?? ""),
    };
    for (const [name, url] of Object.entries(webhooks)) {
      const file = context.mounts.hostPath(`/etc/alertmanager/secrets/${name}`);
      if (file === undefined) continue;
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, url, { mode: 0o600 });
      alertmanagerWebhookFile ??= file;
    }
  } else skipped.push("alertmanager (alerts/alertmanager.yml does not exist yet)");
  const provisioningSource = join(REPO_ROOT, "grafana/provisioning");
  if (existsSync(provisioningSource)) {
    grafanaProvisioning = join(runDir, "grafana/provisioning");
    const context = contextFor(compose, "grafana", runDir, addresses, "/etc/grafana/provisioning");
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(entry)) renderYaml(path, join(grafanaProvisioning!, relative(provisioningSource, path)), context);
      }
    };
    walk(provisioningSource);
  }
  return { prometheus, alertmanager, alertmanagerWebhookFile, grafanaProvisioning, skipped };
}

/** file_sd target files name compose addresses too: render each one next to prometheus.yml. */
function renderFileSd(prometheusFile: string, outDir: string, context: TranslateContext): void {
  const config = parse(readFileSync(prometheusFile, "utf8")) as { scrape_configs?: { job_name?: string; file_sd_configs?: { files?: string[] }[] }[] };
  let changed = false;
  for (const scrape of config.scrape_configs ?? []) {
    for (const sd of scrape.file_sd_configs ?? []) {
      sd.files = (sd.files ?? []).map((file) => {
        if (/[*?[]/.test(file) || !existsSync(file)) return file;
        changed = true;
        return renderYaml(file, join(outDir, `${scrape.job_name ?? "job"}-${basename(file)}`), context);
      });
    }
  }
  if (changed) writeFileSync(prometheusFile, stringify(config));
}

function readState(runDir: string): StackState | undefined {
  const path = join(runDir, STATE_FILE);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as StackState) : undefined;
}

function writeState(state: StackState): void {
  writeFileSync(join(state.runDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Processes recorded by a stack in `runDir` (state file, else PID files). */
export function recordedProcesses(runDir: string): StartedProcess[] {
  const state = readState(runDir);
  if (state !== undefined) return state.processes;
  const pidDir = join(runDir, "pids");
  if (!existsSync(pidDir)) return [];
  return readdirSync(pidDir)
    .filter((file) => file.endsWith(".pid"))
    .map((file) => ({ name: file.replace(/\.pid$/, ""), pid: Number(readFileSync(join(pidDir, file), "utf8").trim()), logFile: "", stopSignal: "SIGTERM" as NodeJS.Signals }));
}

export async function stackDown(runDir: string, log: (line: string) => void): Promise<void> {
  const processes = recordedProcesses(runDir);
  if (processes.length === 0) {
    log(`stack: nothing recorded in ${runDir}`);
    return;
  }
  // The edge and monitoring first, then the gateways (they drain in-flight requests), then the
  // stores they write to; each tier in parallel.
  const tierOf = (name: string): number => (name === "redis" || name === "postgres" ? 2 : name.startsWith("gateway-") || name === "mock-upstream" ? 1 : 0);
  for (const tier of [0, 1, 2]) {
    await Promise.all(
      processes
        .filter((started) => tierOf(started.name) === tier)
        .map(async (started) => {
          const began = Date.now();
          const result = await stopProcess(started, runDir);
          log(`stack: ${started.name.padEnd(16)} pid ${String(started.pid).padEnd(8)} ${result} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
        }),
    );
  }
  rmSync(join(runDir, STATE_FILE), { force: true });
}

export async function stackUp(options: StackOptions): Promise<StackState> {
  const { runDir, log } = options;
  mkdirSync(runDir, { recursive: true });
  chmodSync(runDir, 0o755);
  const running = recordedProcesses(runDir).filter((started) => groupAlive(started.pid));
  if (running.length > 0) throw new Error(`a stack is already running in ${runDir} (${running.map((p) => p.name).join(", ")}): make stack-down first`);
  if (!existsSync(PHAROS_MAIN)) throw new Error(`${PHAROS_MAIN} is missing: npm run build first`);

  const env = stackEnv(options.envFile);
  // As docker-compose does: the shell's variables win over the env file's for interpolation.
  const compose = readCompose(join(REPO_ROOT, "docker-compose.yml"), { ...env, ...process.env });
  const plan = portPlan(options.portBase, options.gateways);
  const addresses = addressTable(plan);
  const processes: StartedProcess[] = [];
  const skipped: string[] = [];
  const state: StackState = { runDir, ports: plan, processes, skipped, masterKey: "" };
  const track = (started: StartedProcess): StartedProcess => {
    processes.push(started);
    writeState(state);
    return started;
  };
  const dataDir = (name: string): string => {
    const dir = join(runDir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  try {
    // --- Redis (compose: redis:7 with requirepass from REDIS_PASSWORD) ------------------------------
    const redisEnv = serviceEnvironment(service(compose, "redis"));
    const redisDir = dataDir("redis");
    const redisPassword = redisEnv["REDIS_PASSWORD"] ?? randomBytes(16).toString("hex");
    writeFileSync(join(redisDir, "redis.conf"), `bind 127.0.0.1\nport ${plan.redis}\nrequirepass ${redisPassword}\ndir ${redisDir}\nappendonly yes\nsave 60 1000\ndaemonize no\n`, { mode: 0o600 });
    const redis = track(startProcess({ name: "redis", command: which("redis-server") ?? "redis-server", args: [join(redisDir, "redis.conf")], runDir, url: `redis://127.0.0.1:${plan.redis}` }));

    // --- PostgreSQL (compose: postgres:16, user/db/password and -c flags from its service) --------
    const postgresService = service(compose, "postgres");
    const pgEnv = serviceEnvironment(postgresService);
    const pgUser = pgEnv["POSTGRES_USER"] ?? "pharos";
    const pgDb = pgEnv["POSTGRES_DB"] ?? pgUser;
    const pgPassword = pgEnv["POSTGRES_PASSWORD"] ?? "";
    const postgres = await startPostgres(runDir, plan.postgres, pgUser, pgPassword, postgresService, track);

    await waitReady(redis, "redis to answer", () => tcpOpen(plan.redis));
    await waitReady(postgres, "postgres to accept connections", async () => pgReady(plan.postgres));
    createDatabase(plan.postgres, pgUser, pgPassword, pgDb);

    // --- mock upstream (--profile bench) ----------------------------------------------------------
    if (options.profiles.includes("bench")) {
      const mockContext = contextFor(compose, "mock-upstream", runDir, addresses, "/app");
      const args = translateCommand(service(compose, "mock-upstream").command, mockContext).map((arg, i, all) => (all[i - 1] === "--host" ? "127.0.0.1" : all[i - 1] === "--port" ? String(plan.mockUpstream) : arg));
      const mock = track(startProcess({ name: "mock-upstream", command: process.execPath, args: [PHAROS_MAIN, ...args], runDir, url: `http://127.0.0.1:${plan.mockUpstream}` }));
      await waitReady(mock, "the mock upstream", () => httpOk(`http://127.0.0.1:${plan.mockUpstream}/__mock/stats`));
    }

    // --- gateways (compose: the gateway service's command, env_file and environment) -------------
    const gatewayService = service(compose, "gateway");
    const gatewayContext = contextFor(compose, "gateway", runDir, addresses, "/app");
    const gatewayEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...env, ...serviceEnvironment(gatewayService) })) {
      gatewayEnv[key] = translateConfig(value, gatewayContext, key) as string;
    }
    const [redisHost, redisPort] = (addresses.get(`${gatewayEnv["REDIS_HOST"]}:${gatewayEnv["REDIS_PORT"]}`)?.[0] ?? `${gatewayEnv["REDIS_HOST"]}:${gatewayEnv["REDIS_PORT"]}`).split(":");
    Object.assign(gatewayEnv, { REDIS_HOST: redisHost, REDIS_PORT: redisPort, NUM_WORKERS: String(options.workersPerGateway), LITELLM_MODE: "PRODUCTION" });
    state.masterKey = gatewayEnv["LITELLM_MASTER_KEY"] ?? "";
    const gatewayArgs = translateCommand(gatewayService.command, gatewayContext);
    const gateways: StartedProcess[] = [];
    plan.gateways.forEach((ports, i) => {
      const name = `gateway-${i + 1}`;
      gateways.push(
        track(
          startProcess({
            name,
            command: process.execPath,
            args: [PHAROS_MAIN, ...gatewayArgs, "--host", "127.0.0.1", "--port", String(ports.port), "--health-port", String(ports.health)],
            env: {
              ...gatewayEnv,
              PHAROS_DATA_DIR: join(dataDir(name), "data"),
              SEPARATE_HEALTH_PORT: String(ports.health),
              OTEL_EXPORTER_PROMETHEUS_PORT: String(ports.metrics),
              OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
            },
            runDir,
            url: `http://127.0.0.1:${ports.port} (health :${ports.health})`,
          }),
        ),
      );
    });
    for (const [i, gateway] of gateways.entries()) {
      await waitReady(gateway, "readiness", () => httpOk(`http://127.0.0.1:${plan.gateways[i]!.health}/health/readiness`), 60_000);
    }

    // --- nginx (compose: nginx/ rendered by nginx/render.sh with the service's NGINX_* values) ----
    const nginxDir = dataDir("nginx");
    const nginxVariables: Record<string, string> = {};
    for (const [key, value] of Object.entries(serviceEnvironment(service(compose, "nginx")))) if (value !== "") nginxVariables[key] = value;
    const certs = ensureCerts(nginxDir);
    const nginxRun = renderNginx(join(nginxDir, "conf"), {
      ...nginxVariables,
      NGINX_UPSTREAMS: (addresses.get("gateway:4000") ?? []).join(" "),
      NGINX_HTTP_LISTEN: `127.0.0.1:${plan.nginxHttp}`,
      NGINX_HTTPS_LISTEN: `127.0.0.1:${plan.nginxHttps}`,
      NGINX_HTTPS_PORT_SUFFIX: `:${plan.nginxHttps}`,
      NGINX_STATUS_LISTEN: `127.0.0.1:${plan.nginxStatus}`,
      NGINX_SSL_CERTIFICATE: certs.cert,
      NGINX_SSL_CERTIFICATE_KEY: certs.key,
      NGINX_ACME_ROOT: join(nginxDir, "acme"),
      NGINX_ACCESS_LOG: join(runDir, "logs", "nginx-access.log"),
      NGINX_WORKER_PROCESSES: "1",
    });
    testNginx(nginxRun);
    const nginxChild = spawnNginx(nginxRun, "ignore", true);
    nginxChild.unref();
    writeFileSync(join(runDir, "pids", "nginx.pid"), `${nginxChild.pid}\n`);
    const nginx = track({ name: "nginx", pid: nginxChild.pid!, logFile: nginxRun.errorLog, stopSignal: "SIGTERM", url: `https://127.0.0.1:${plan.nginxHttps} (http :${plan.nginxHttp})` });
    await waitReady(nginx, "stub_status", () => httpOk(`http://127.0.0.1:${plan.nginxStatus}/stub_status`));

    // --- exporters ------------------------------------------------------------------------------
    const nodeExporterBin = which("prometheus-node-exporter", "node_exporter");
    if (nodeExporterBin === undefined) skipped.push("node-exporter (prometheus-node-exporter not installed)");
    else {
      const nodeExporter = track(startProcess({ name: "node-exporter", command: nodeExporterBin, args: [`--web.listen-address=127.0.0.1:${plan.nodeExporter}`], runDir, url: `http://127.0.0.1:${plan.nodeExporter}/metrics` }));
      await waitReady(nodeExporter, "/metrics", () => httpOk(`http://127.0.0.1:${plan.nodeExporter}/metrics`));
    }
    const nginxExporterBin = which("prometheus-nginx-exporter", "nginx-prometheus-exporter");
    if (nginxExporterBin === undefined) skipped.push("nginx-exporter (prometheus-nginx-exporter not installed)");
    else {
      const args = translateCommand(service(compose, "nginx-exporter").command, contextFor(compose, "nginx-exporter", runDir, addresses, "/"));
      const nginxExporter = track(startProcess({ name: "nginx-exporter", command: nginxExporterBin, args: [...args, `--web.listen-address=127.0.0.1:${plan.nginxExporter}`], runDir, url: `http://127.0.0.1:${plan.nginxExporter}/metrics` }));
      await waitReady(nginxExporter, "/metrics", () => httpOk(`http://127.0.0.1:${plan.nginxExporter}/metrics`));
    }

    // --- monitoring (files of the monitoring issue: skipped with a notice while absent) ---------
    const monitoring = renderMonitoring(compose, runDir, addresses, { ...env, ...serviceEnvironment(service(compose, "alertmanager")) });
    skipped.push(...monitoring.skipped);
    if (monitoring.alertmanager !== undefined) {
      const bin = which("prometheus-alertmanager", "alertmanager");
      if (bin === undefined) skipped.push("alertmanager (prometheus-alertmanager not installed)");
      else {
        const alertmanager = track(
          startProcess({
            name: "alertmanager",
            command: bin,
            args: [`--config.file=${monitoring.alertmanager}`, `--storage.path=${dataDir("alertmanager/data")}`, `--web.listen-address=127.0.0.1:${plan.alertmanager}`, "--cluster.listen-address="],
            runDir,
            url: `http://127.0.0.1:${plan.alertmanager}`,
          }),
        );
        await waitReady(alertmanager, "/-/ready", () => httpOk(`http://127.0.0.1:${plan.alertmanager}/-/ready`));
      }
    }
    if (monitoring.prometheus !== undefined) {
      const bin = which("prometheus");
      if (bin === undefined) skipped.push("prometheus (not installed)");
      else {
        const context = contextFor(compose, "prometheus", runDir, addresses, "/etc/prometheus");
        const args = translateCommand(service(compose, "prometheus").command, context).map((arg) => (arg.startsWith("--config.file=") ? `--config.file=${monitoring.prometheus}` : arg));
        mkdirSync(context.mounts.hostPath("/prometheus") ?? dataDir("prometheus/data"), { recursive: true });
        const prometheus = track(startProcess({ name: "prometheus", command: bin, args: [...args, `--web.listen-address=127.0.0.1:${plan.prometheus}`], runDir, url: `http://127.0.0.1:${plan.prometheus}` }));
        await waitReady(prometheus, "/-/ready", () => httpOk(`http://127.0.0.1:${plan.prometheus}/-/ready`));
      }
    }
    const grafanaBin = which("grafana-server", "grafana");
    if (grafanaBin === undefined) skipped.push("grafana (no grafana-server on PATH)");
    else if (monitoring.grafanaProvisioning === undefined) skipped.push("grafana (grafana/provisioning does not exist yet)");
    else {
      const grafanaEnv = serviceEnvironment(service(compose, "grafana"));
      const homepath = ["/usr/share/grafana", "/usr/local/share/grafana"].find((dir) => existsSync(dir)) ?? "/usr/share/grafana";
      const args = [
        ...(grafanaBin.endsWith("/grafana") ? ["server"] : []),
        `--homepath=${homepath}`,
        `cfg:default.paths.provisioning=${monitoring.grafanaProvisioning}`,
        `cfg:default.paths.data=${dataDir("grafana/data")}`,
        `cfg:default.paths.logs=${dataDir("grafana/logs")}`,
        "cfg:default.server.http_addr=127.0.0.1",
        `cfg:default.server.http_port=${plan.grafana}`,
      ];
      const grafana = track(startProcess({ name: "grafana", command: grafanaBin, args, env: grafanaEnv, runDir, url: `http://127.0.0.1:${plan.grafana}` }));
      await waitReady(grafana, "/api/health", () => httpOk(`http://127.0.0.1:${plan.grafana}/api/health`), 60_000);
    }
    if (!options.profiles.includes("ollama")) skipped.push("ollama (profile not requested; the ollama-local group points at 127.0.0.1:11434)");
    else skipped.push("ollama (run your own Ollama on 127.0.0.1:11434: the native stack does not manage it)");
    writeState(state);
    return state;
  } catch (error) {
    log(`stack: start failed, stopping what was started`);
    await stackDown(runDir, log);
    throw error;
  }
}

function ensureCerts(nginxDir: string): { cert: string; key: string } {
  const made = join(REPO_ROOT, "nginx/ssl");
  if (existsSync(join(made, "fullchain.pem")) && existsSync(join(made, "privkey.pem"))) return { cert: join(made, "fullchain.pem"), key: join(made, "privkey.pem") };
  const dir = join(nginxDir, "ssl");
  const result = spawnSync("bash", [join(REPO_ROOT, "scripts/certs.sh"), dir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`scripts/certs.sh failed: ${result.stderr}`);
  return { cert: join(dir, "fullchain.pem"), key: join(dir, "privkey.pem") };
}

async function startPostgres(runDir: string, port: number, user: string, password: string, definition: ComposeService, track: (started: StartedProcess) => StartedProcess): Promise<StartedProcess> {
  const root = join(runDir, "postgres");
  const dataDir = join(root, "data");
  const socketDir = join(root, "socket");
  mkdirSync(socketDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: the data dir belongs to the postgres user then.
  const owner = asRoot ? (spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim() || undefined) : undefined;
  const ownerGroup = asRoot ? spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim() : undefined;
  const asPostgres = (command: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args]);
  // The server itself: setpriv execs (no parent left waiting), so the recorded PID is postgres's own.
  const serverAs = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ["setpriv", [`--reuid=${owner}`, `--regid=${ownerGroup}`, "--init-groups", "--", command, ...args]] : [command, args];
  if (asRoot && owner === undefined) throw new Error("running as root without a postgres user: cannot start PostgreSQL");
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    mkdirSync(dataDir, { recursive: true });
    const pwfile = join(root, "pwfile");
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (asRoot) for (const path of [root, dataDir, socketDir, pwfile]) chownSync(path, Number(owner), Number(ownerGroup));
    const [command, args] = asPostgres(postgresBin("initdb"), ["-D", dataDir, "-U", user, `--pwfile=${pwfile}`, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-instructions"]);
    const result = spawnSync(command, args, { encoding: "utf8" });
    rmSync(pwfile, { force: true });
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr}${result.stdout}`);
  }
  // The compose service's `-c name=value` flags, then the native address.
  const composeArgs = Array.isArray(definition.command) ? definition.command.slice(definition.command[0] === "postgres" ? 1 : 0) : [];
  const [command, args] = serverAs(postgresBin("postgres"), ["-D", dataDir, ...composeArgs, "-c", `port=${port}`, "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${socketDir}`]);
  return track(startProcess({ name: "postgres", command, args, runDir, stopSignal: "SIGINT", url: `postgresql://${user}@127.0.0.1:${port}/` }));
}

function pgReady(port: number): boolean {
  return spawnSync(postgresBin("pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-q"]).status === 0;
}

function createDatabase(port: number, user: string, password: string, database: string): void {
  const env = { ...process.env, PGPASSWORD: password };
  const psql = postgresBin("psql");
  const exists = spawnSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", "postgres", "-tAc", `SELECT 1 FROM pg_database WHERE datname = '${database.replace(/'/g, "''")}'`], { env, encoding: "utf8" });
  if (exists.status !== 0) throw new Error(`psql failed: ${exists.stderr}`);
  if (exists.stdout.trim() === "1") return;
  const created = spawnSync(postgresBin("createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", user, database], { env, encoding: "utf8" });
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`);
}
