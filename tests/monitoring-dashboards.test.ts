/**
 * The Grafana dashboards (dashboards/*.json) and their provisioning (grafana/provisioning/).
 * There is no Grafana server here, so the test does what Grafana would: it parses every
 * dashboard, checks the rules that make provisioned dashboards work (uid ≤ 40 characters, unique
 * panel ids, a `datasource` template variable instead of import-wizard inputs, a unit and a
 * description on every panel), then runs every panel query — variables substituted — against a
 * real Prometheus that scraped a real gateway (with nginx, node-exporter and nginx-exporter)
 * under scripted traffic. Each query must parse and return data. Panels whose description says
 * "Only under condition: …" (empty on a quiet system) are no exception: the scripted traffic
 * meets every one of those conditions (cache on with hits and misses, streams, failures,
 * cooldowns, retries and fallbacks, background health checks, the embedded database with spend
 * rows, a virtual key with a small rpm_limit). Only the panels in NO_DATA_HERE, each with the
 * reason, may stay empty — and they must, so the list cannot go stale.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { MockUpstream } from "../gateway/src/mock/mock-upstream.ts";
import { startNginxExporter, startNodeExporter } from "./support/exporters.ts";
import { ROOT, startGateway, stopAllGateways } from "./support/gateway-process.ts";
import type { GatewayProcess } from "./support/gateway-process.ts";
import { closeAllMocks, startMock } from "./support/mock.ts";
import { stopAllDaemons } from "./support/monitoring-daemon.ts";
import { startNginx, stopAllNginx } from "./support/nginx.ts";
import type { NginxProcess } from "./support/nginx.ts";
import { freePort } from "./support/ports.ts";
import { startPrometheus } from "./support/prometheus.ts";
import type { PrometheusProcess } from "./support/prometheus.ts";
import { removeTempDirs, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

type Json = Record<string, unknown>;

interface Target {
  readonly expr: string;
  readonly refId: string;
  readonly datasource: { readonly uid: string } | undefined;
}

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: Target[];
  readonly fieldConfig?: { readonly defaults?: { readonly unit?: string } };
  readonly panels?: Panel[];
}

interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: Panel[];
  readonly templating: { readonly list: { name: string; type: string; query: unknown; definition?: string }[] };
  readonly [key: string]: unknown;
}

const DASHBOARD_DIR = join(ROOT, "dashboards");
const files = readdirSync(DASHBOARD_DIR).filter((name) => name.endsWith(".json")).sort();
const dashboards = files.map((file) => ({ file, text: readFileSync(join(DASHBOARD_DIR, file), "utf8"), json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), "utf8")) as Dashboard }));
const CONDITIONAL = "Only under condition:";

/**
 * Panels ("file / title") whose condition this test cannot meet, and why. Everything else must
 * show data. Empty today: nginx and both exporters run here, the gateway has the embedded
 * database, the response cache, background health checks, fallbacks and a rate-limited key.
 * An entry must name a conditional panel that really stays empty here.
 */
const NO_DATA_HERE: Readonly<Record<string, string>> = {};

function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== "row");
}

const queries = dashboards.flatMap(({ file, json }) =>
  panelsOf(json).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ file, panel: panel.title, refId: target.refId, expr: target.expr, conditional: (panel.description ?? "").includes(CONDITIONAL), exempt: NO_DATA_HERE[`${file} / ${panel.title}`] })),
  ),
);

/** Grafana's variables, as the test substitutes them ("All" for every query variable, a custom one's default). */
export function substitute(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, "1m")
    .replace(/\$__interval/g, "15s")
    .replace(/\$__range/g, "10m")
    .replace(/\$\{?node_job\}?/g, "node")
    .replace(/\$\{?(instance|model_group|node|nginx)\}?/g, ".*");
}

describe("dashboard files", () => {
  it("the seven dashboards are there, each a provisionable Grafana dashboard", () => {
    expect(dashboards.map(({ json }) => json.uid).sort()).toEqual(["pharos-cache-data", "pharos-capacity", "pharos-cost", "pharos-edge", "pharos-loadtest", "pharos-models", "pharos-overview"]);
    for (const { file, text, json } of dashboards) {
      expect(json.uid.length, file).toBeLessThanOrEqual(40);
      expect(json.title, file).toMatch(/^Pharos · /);
      expect(json["__inputs"], `${file}: __inputs only work in the import wizard`).toBeUndefined();
      expect(text, `${file}: \${DS_…} only works in the import wizard`).not.toMatch(/\$\{DS_/);
      expect(typeof json["schemaVersion"]).toBe("number");
    }
    // Panels allowed to stay empty in the query test must exist and say when they are empty.
    const conditional = new Set(queries.filter((query) => query.conditional).map((query) => `${query.file} / ${query.panel}`));
    expect(Object.keys(NO_DATA_HERE).filter((panel) => !conditional.has(panel)), `not panels whose description says "${CONDITIONAL}"`).toEqual([]);
  });

  it.each(dashboards.map(({ file, json }) => [file, json] as const))("%s: a datasource variable, unique panel ids, a unit and a description on every panel", (file, json) => {
    const variables = json.templating.list;
    expect(variables.find((variable) => variable.type === "datasource" && variable.name === "datasource" && variable.query === "prometheus"), file).toBeDefined();
    const all = json.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const ids = all.map((panel) => panel.id);
    expect(new Set(ids).size, `${file}: duplicate panel ids`).toBe(ids.length);
    for (const panel of panelsOf(json)) {
      const where = `${file} / ${panel.title}`;
      expect(panel.datasource, where).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.description ?? "", where).not.toBe("");
      expect(panel.fieldConfig?.defaults?.unit ?? "", where).not.toBe("");
      expect(panel.targets?.length ?? 0, where).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, where).toBe("${datasource}");
        // rate() and increase() follow the scrape interval ($__rate_interval), the panel's range,
        // or a window the decision matrix fixes (1 h, 1 d).
        for (const window of target.expr.matchAll(/\b(?:rate|increase|irate)\([^\]]*\[([^\]]+)\]/g)) {
          expect(["$__rate_interval", "$__range", "1h", "1d"], `${where}: ${target.expr}`).toContain(window[1]);
        }
      }
    }
  });

  it("grafana provisioning: a Prometheus datasource with a fixed uid and the scrape interval, a file provider for dashboards/", () => {
    const datasources = parse(readFileSync(join(ROOT, "grafana/provisioning/datasources/prometheus.yaml"), "utf8")) as { apiVersion: number; datasources: Json[] };
    expect(datasources.apiVersion).toBe(1);
    const prometheus = datasources.datasources[0] as { uid: string; type: string; jsonData: { timeInterval: string } };
    expect(prometheus).toMatchObject({ uid: "pharos-prometheus", type: "prometheus" });
    const scrape = (parse(readFileSync(join(ROOT, "prometheus/prometheus.yml"), "utf8")) as { global: { scrape_interval: string } }).global.scrape_interval;
    expect(prometheus.jsonData.timeInterval).toBe(scrape);
    const providers = parse(readFileSync(join(ROOT, "grafana/provisioning/dashboards/pharos.yaml"), "utf8")) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(providers.apiVersion).toBe(1);
    expect(providers.providers).toHaveLength(1);
    expect(providers.providers[0]).toMatchObject({ type: "file", options: { path: expect.stringMatching(/dashboards$/) } });
  });

  it("the slack alerts link to dashboards that exist", () => {
    const linked = readFileSync(join(ROOT, "gateway/src/alerting/alert.ts"), "utf8").match(/"pharos-[a-z-]+"/g) ?? [];
    const uids = new Set(dashboards.map(({ json }) => `"${json.uid}"`));
    expect(linked.length).toBeGreaterThan(0);
    for (const uid of linked) expect(uids.has(uid), uid).toBe(true);
  });
});

describe("every panel query against a real Prometheus that scraped a real gateway", () => {
  const KEY = "sk-dashboards";
  let healthy: MockUpstream;
  let flaky: MockUpstream;
  let broken: MockUpstream;
  let gateway: GatewayProcess;
  let nginx: NginxProcess;
  let prometheus: PrometheusProcess;

  beforeAll(async () => {
    [healthy, flaky, broken] = await Promise.all([startMock(), startMock({ latencyMs: 5 }), startMock()]);
    flaky.faults.setDefault({ status: 500 });
    broken.faults.setDefault({ status: 503 });
    const metricsPort = await freePort();
    gateway = await startGateway({
      config: {
        model_list: [
          { model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", api_base: `${healthy.url}/v1`, api_key: "sk-up", weight: 1, rpm: 6000 }, model_info: { id: "mini-a", input_cost_per_token: 0.00000015, output_cost_per_token: 0.0000006 } },
          { model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini", api_base: `${flaky.url}/v1`, api_key: "sk-up", weight: 1 }, model_info: { id: "mini-b", input_cost_per_token: 0.00000015, output_cost_per_token: 0.0000006 } },
          { model_name: "gpt-broken", litellm_params: { model: "openai/gpt-4o", api_base: `${broken.url}/v1`, api_key: "sk-up" }, model_info: { id: "broken-1" } },
          { model_name: "llama", litellm_params: { model: "ollama_chat/llama3.2", api_base: healthy.url }, model_info: { id: "ollama-1" } },
          { model_name: "embed", litellm_params: { model: "openai/text-embedding-3-small", api_base: `${healthy.url}/v1` }, model_info: { id: "embed-1", mode: "embedding" } },
        ],
        router_settings: { num_retries: 1, allowed_fails: 1, cooldown_time: 2, fallbacks: [{ "gpt-broken": ["gpt-4o-mini"] }] },
        litellm_settings: { cache: true, cache_params: { type: "local", ttl: 600 } },
        general_settings: { master_key: KEY, background_health_checks: true, health_check_interval: 2 },
      },
      env: { PHAROS_DATA_DIR: tempDir("pharos-dash-data-"), OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort), OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1" },
      readyTimeoutMs: 30_000,
    });
    nginx = await startNginx({ upstreams: [gateway.port] });
    const [node, nginxExporter] = await Promise.all([startNodeExporter(), startNginxExporter(nginx.statusUrl)]);
    const main = `127.0.0.1:${gateway.port}`;
    prometheus = await startPrometheus({
      targets: {
        pharos: [{ address: main }],
        "pharos-health": [{ address: `127.0.0.1:${metricsPort}`, labels: { gateway: main } }],
        node: [{ address: node.address }],
        nginx: [{ address: nginxExporter.address }],
        prometheus: [],
      },
    });
    await traffic(gateway.url, nginx.httpUrl, KEY, flaky);
    // Let Prometheus scrape the last requests and evaluate the recording rules on them.
    await waitFor(async () => (await prometheus.query('sum(pharos_requests_total{job="pharos",pharos_route="chat_completions"})'))[0]?.value[1] !== undefined && (await prometheus.query("pharos:capacity:recommendation")).length > 0, { timeoutMs: 20_000, what: "scrapes and rules" });
    await sleep(3000);
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await stopAllDaemons();
    await stopAllNginx();
    await stopAllGateways();
    await closeAllMocks();
    removeTempDirs();
  });

  it("every scrape target is up: both gateway jobs, node, nginx and Prometheus itself", async () => {
    const targets = await prometheus.targets();
    expect(targets.map((target) => target.job).sort()).toEqual(["nginx", "node", "pharos", "pharos-health", "prometheus"]);
    for (const target of targets) expect(target.health, `${target.job}: ${target.lastError}`).toBe("up");
  });

  it("select the node exporter through $node_job (node here, node-exporter on kube-prometheus), never a literal job", () => {
    for (const { file, text, json } of dashboards) {
      expect(text, file).not.toContain('job=\\"node\\"');
      if (!text.includes("node_")) continue;
      const variable = json.templating.list.find((candidate) => candidate.name === "node_job");
      expect(variable, file).toMatchObject({ type: "custom", query: "node,node-exporter" });
    }
  });

  it("every recording rule evaluates without error", async () => {
    expect(await prometheus.ruleErrors()).toEqual([]);
  });

  it("the template variables list the gateway, the model groups, the host and nginx", async () => {
    for (const { json, file } of dashboards) {
      for (const variable of json.templating.list.filter((candidate) => candidate.type === "query")) {
        const found = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.definition ?? "");
        expect(found, `${file}: ${variable.name}`).not.toBeNull();
        const series = await prometheus.query(`count by (${found?.[2]}) (${substitute(found?.[1] ?? "")})`);
        expect(series.length, `${file}: $${variable.name}`).toBeGreaterThan(0);
      }
    }
  });

  it.each(queries.map((query) => [`${query.file} / ${query.panel} / ${query.refId}`, query] as const))("%s", async (_name, query) => {
    // Parses (a bad expression rejects), and shows a number (a series may be NaN, e.g. a ratio for
    // a deployment idle in the last minute, not all of them).
    const result = await prometheus.query(substitute(query.expr));
    const numbers = result.filter((sample) => Number.isFinite(Number(sample.value[1])));
    if (query.exempt !== undefined) {
      expect(numbers, `allowed to be empty here (${query.exempt}), yet it has data: remove it from NO_DATA_HERE`).toEqual([]);
      return;
    }
    expect(numbers.length, `no data for ${substitute(query.expr)}${query.conditional ? " (the scripted traffic should meet the panel's condition)" : ""}`).toBeGreaterThan(0);
  });
});

/**
 * About 20 s of mixed traffic that meets every panel's condition: cache hits and misses, streams
 * (time to first token), embeddings, upstream failures with retries, cooldowns, fallbacks, a
 * client error, spend rows in the embedded database, a virtual key over its rpm_limit (Pharos'
 * own 429s), and requests through nginx. Background health checks run meanwhile.
 */
async function traffic(gatewayUrl: string, nginxUrl: string, key: string, flaky: MockUpstream): Promise<void> {
  const call = async (base: string, path: string, body: Json, bearer = key): Promise<number> => {
    // nginx answers plain HTTP with a redirect to HTTPS (self-signed here): count it, don't follow it.
    const response = await fetch(`${base}${path}`, { method: "POST", redirect: "manual", headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    await response.arrayBuffer();
    return response.status;
  };
  // A virtual key allowed 2 requests a minute: its later requests are refused by Pharos (429).
  const generated = await fetch(`${gatewayUrl}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ rpm_limit: 2, key_alias: "dashboards-limited" }) });
  expect(generated.status).toBe(200);
  const limitedKey = ((await generated.json()) as { key: string }).key;
  const statuses: number[] = [];
  const limited: number[] = [];
  for (let round = 0; round < 12; round++) {
    if (round === 8) flaky.faults.setDefault(undefined); // the flaky deployment recovers
    const batch = [
      ...Array.from({ length: 4 }, (_, i) => call(gatewayUrl, "/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: `question ${i % 2}` }] })),
      call(gatewayUrl, "/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: `fresh ${round}` }] }),
      call(gatewayUrl, "/v1/chat/completions", { model: "llama", stream: true, messages: [{ role: "user", content: `stream ${round}` }] }),
      call(gatewayUrl, "/v1/embeddings", { model: "embed", input: [`text ${round}`] }),
      call(gatewayUrl, "/v1/chat/completions", { model: "gpt-broken", messages: [{ role: "user", content: `fallback ${round}` }] }),
      call(gatewayUrl, "/v1/chat/completions", { model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
      call(nginxUrl, "/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: `via nginx ${round}` }] }),
    ];
    const [limitedStatus, ...rest] = await Promise.all([call(gatewayUrl, "/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: `limited ${round}` }] }, limitedKey), ...batch]);
    limited.push(limitedStatus!);
    statuses.push(...rest);
    await sleep(1500);
  }
  expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(statuses.length / 2);
  expect(limited.filter((status) => status === 429).length, `the rate-limited key: ${limited.join(" ")}`).toBeGreaterThanOrEqual(limited.length - 4);
}
