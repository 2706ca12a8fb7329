/**
 * deploy/k8s: the kustomize base and the example overlay render, every object validates against
 * the Kubernetes (and prometheus-operator) schemas from npm, the pieces fit together (selectors,
 * ports, probes, drain vs grace period), the gateway config in the ConfigMap loads, and the
 * PrometheusRule holds exactly the rule groups of prometheus/rules/ and alerts/ — with their job
 * matchers renamed to the job names a Kubernetes Prometheus uses (kube-prometheus' by default),
 * so the host and monitoring alerts select targets that exist there.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Namespace, ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { jobNamesFromArgs, KUBE_PROMETHEUS_JOBS, OUTPUT, renameJobs, renderPrometheusRule, ruleSources } from "../scripts/k8s-prometheus-rule.ts";
import { ROOT } from "./support/gateway-process.ts";
import { kustomizeBuild, kustomizeFallback, kustomizeWithTool } from "../scripts/kustomize.ts";
import type { K8sObject } from "../scripts/kustomize.ts";

const BASE = join(ROOT, "deploy/k8s/base");
const OVERLAY = join(ROOT, "deploy/k8s/overlays/example");

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

function validateAll(objects: readonly K8sObject[]): void {
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (Model === undefined) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
    expect(() => new Model(object as never).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
  }
}

const find = <T = K8sObject>(objects: readonly K8sObject[], kind: string, name?: string): T => {
  const found = objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name.startsWith(name)));
  if (found === undefined) throw new Error(`no ${kind} ${name ?? ""}`);
  return found as unknown as T;
};

interface Container {
  name: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  lifecycle: { preStop: { exec: { command: string[] } } };
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
}

interface DeploymentShape {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { terminationGracePeriodSeconds: number; securityContext: { runAsNonRoot: boolean }; affinity: { podAntiAffinity: unknown }; containers: Container[] };
    };
  };
}

const base = kustomizeBuild(BASE);
const overlay = kustomizeBuild(OVERLAY);

describe(`deploy/k8s rendered (${base.renderer})`, () => {
  it("renders the base and the example overlay, and every object validates against its schema", () => {
    const kinds = base.objects.map((object) => object.kind).sort();
    expect(kinds).toEqual(["ConfigMap", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "PrometheusRule", "Service", "Service", "Service", "ServiceMonitor"]);
    validateAll(base.objects);
    validateAll(overlay.objects);
    expect(overlay.objects.every((object) => object.kind === "Namespace" || object.metadata.namespace === "pharos")).toBe(true);
    expect(find(overlay.objects, "Secret", "pharos-secrets")).toBeDefined();
  });

  // On a machine without kubectl or kustomize this test is reported as skipped, not passed.
  const withTool = kustomizeWithTool(OVERLAY);
  it.skipIf(withTool === undefined)("the fallback renderer gives the same objects as kubectl kustomize (generated-name hashes aside)", () => {
    const generated = ["pharos-config", "pharos-env", "pharos-secrets"];
    const normalize = (objects: K8sObject[]): Record<string, unknown> => {
      const text = JSON.stringify(objects).replace(new RegExp(`"(${generated.join("|")})-[a-z0-9]{10}"`, "g"), '"$1"');
      return Object.fromEntries((JSON.parse(text) as K8sObject[]).map((object) => [`${object.kind}/${object.metadata.name}`, object]));
    };
    expect(normalize(kustomizeFallback(OVERLAY))).toEqual(normalize(withTool!));
  });
});

describe("the gateway Deployment and its neighbours", () => {
  const objects = overlay.objects;
  const deployment = find<DeploymentShape>(objects, "Deployment", "pharos-gateway");
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0]!;
  const env = (find(objects, "ConfigMap", "pharos-env") as unknown as { data: Record<string, string> }).data;

  it("probes the separate health app, drains within the grace period, runs non-root with anti-affinity", () => {
    const healthPort = container.ports.find((port) => port.name === "health")!;
    expect(healthPort.containerPort).toBe(Number(env["SEPARATE_HEALTH_PORT"]));
    expect(env["SEPARATE_HEALTH_APP"]).toBe("1");
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) expect(probe.httpGet.port).toBe("health");
    expect(container.readinessProbe.httpGet.path).toBe("/health/readiness");
    expect(container.livenessProbe.httpGet.path).toBe("/health/liveliness");
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + Number(env["PHAROS_DRAIN_TIMEOUT"]));
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.spec.affinity.podAntiAffinity).toBeDefined();
    // One worker per requested core.
    expect(Number(env["NUM_WORKERS"])).toBe(Number(container.resources.requests.cpu));
    expect(container.envFrom.map((source) => source.configMapRef?.name ?? source.secretRef?.name)).toEqual([
      expect.stringMatching(/^pharos-env/),
      expect.stringMatching(/^pharos-secrets/),
    ]);
  });

  it("wires the Service, PDB, HPA and ServiceMonitor to the Deployment's pods and ports", () => {
    const podLabels = pod.metadata.labels;
    const matches = (selector: Record<string, string>): boolean => Object.entries(selector).every(([key, value]) => podLabels[key] === value);
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    const service = find<{ metadata: { labels: Record<string, string> }; spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] } }>(objects, "Service", "pharos-gateway");
    expect(matches(service.spec.selector)).toBe(true);
    for (const port of service.spec.ports) expect(container.ports.map((containerPort) => containerPort.name)).toContain(port.targetPort);
    const pdb = find<{ spec: { selector: { matchLabels: Record<string, string> } } }>(objects, "PodDisruptionBudget");
    expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    const monitor = find<{ spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; relabelings: { targetLabel: string; replacement?: string }[] }[] } }>(objects, "ServiceMonitor");
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([key, value]) => service.metadata.labels[key] === value)).toBe(true);
    expect(monitor.spec.endpoints.map((endpoint) => endpoint.port)).toEqual(["http", "metrics"]);
    // The job names prometheus/prometheus.yml gives the same targets (rules select them).
    expect(monitor.spec.endpoints.map((endpoint) => endpoint.relabelings.find((relabel) => relabel.targetLabel === "job")?.replacement)).toEqual(["pharos", "pharos-health"]);

    const hpa = find<{ spec: { scaleTargetRef: { name: string }; metrics: { type: string; resource?: { name: string }; pods?: { metric: { name: string } } }[] } }>(objects, "HorizontalPodAutoscaler");
    expect(hpa.spec.scaleTargetRef.name).toBe("pharos-gateway");
    expect(hpa.spec.metrics.map((metric) => metric.resource?.name ?? metric.pods?.metric.name)).toEqual(["cpu", "pharos_requests_in_flight"]);
    // The in-flight metric is one the gateway declares (OTel name; the exporter turns dots into _).
    expect(readFileSync(join(ROOT, "gateway/src/telemetry/metrics.ts"), "utf8")).toContain('"pharos.requests.in_flight"');
  });

  it("ships a gateway config that `pharos check-config` accepts with the Deployment's environment", () => {
    const config = find<{ data: Record<string, string> }>(objects, "ConfigMap", "pharos-config");
    expect(container.args).toEqual(["serve", "--config", "/etc/pharos/config.yaml"]);
    expect(Object.keys(config.data)).toEqual(["config.yaml"]);
    const secret = find<{ data: Record<string, string> }>(objects, "Secret", "pharos-secrets");
    const secrets = Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString()]));
    const result = spawnSync(process.execPath, [join(ROOT, "dist/gateway/src/main.js"), "check-config", join(BASE, "config.yaml")], {
      env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...env, ...secrets },
      encoding: "utf8",
    });
    expect(result.stdout + result.stderr).toContain("OK");
    expect(result.status).toBe(0);
  });
});

/** Every string in a value, depth first (rule expressions, labels, annotations). */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

/** `job` label matchers: job="x", job!="x", job=~"x|y", also with escaped quotes (queries in annotation templates). */
const JOB_MATCHER = /\bjob(\s*)(=~|!~|!=|=)(\s*)(\\?")(.*?)\4/g;
const jobsSelected = (value: unknown): string[] => stringsIn(value).flatMap((text) => [...text.matchAll(JOB_MATCHER)].flatMap((match) => match[5]!.split("|")));
const withoutJobNames = (value: unknown): unknown => JSON.parse(JSON.stringify(value), (_key, item: unknown) => (typeof item === "string" ? item.replace(JOB_MATCHER, "job$1$2$3$4…$4") : item));

describe("PrometheusRule generated from alerts/", () => {
  // kube-prometheus' job names for node-exporter, Prometheus and Alertmanager (the generator's default).
  const KUBE_PROMETHEUS = { node: "node-exporter", prometheus: "prometheus-k8s", alertmanager: "alertmanager-main" };
  const rule = find<{ spec: { groups: { name: string; rules: Record<string, unknown>[] }[] } }>(base.objects, "PrometheusRule");
  const sources = ruleSources(ROOT);
  const sourceGroups = sources.flatMap((source) => source.groups);

  it("holds exactly the groups of prometheus/rules/*.rules.yml and alerts/*.rules.yml, job names aside, and the committed file is current", () => {
    expect(withoutJobNames(rule.spec.groups)).toEqual(withoutJobNames(sourceGroups));
    // Every alert of alerts/ is in it, in order.
    const alertFiles = sources.filter((source) => source.file.startsWith("alerts/"));
    expect(alertFiles.length).toBeGreaterThan(0);
    const alertNames = (groups: readonly { rules: readonly Record<string, unknown>[] }[]): unknown[] => groups.flatMap((group) => group.rules.filter((entry) => "alert" in entry).map((entry) => entry["alert"]));
    expect(alertNames(rule.spec.groups)).toEqual(alertNames(alertFiles.flatMap((source) => source.groups)));
    // prometheus-operator needs unique group names within one PrometheusRule.
    const names = rule.spec.groups.map((group) => group.name);
    expect(new Set(names).size).toBe(names.length);
    expect(readFileSync(join(ROOT, OUTPUT), "utf8"), `${OUTPUT} is stale: run \`make k8s-rules\``).toBe(renderPrometheusRule(ROOT));
  });

  it("selects the job names of a Kubernetes Prometheus (kube-prometheus by default), never prometheus.yml's node/prometheus/alertmanager", () => {
    expect(KUBE_PROMETHEUS_JOBS).toEqual(KUBE_PROMETHEUS);
    const sourceJobs = jobsSelected(sourceGroups);
    const generatedJobs = jobsSelected(rule.spec.groups);
    // Matcher by matcher: the source's job, renamed where kube-prometheus names it differently.
    expect(generatedJobs).toEqual(sourceJobs.map((job) => KUBE_PROMETHEUS[job as keyof typeof KUBE_PROMETHEUS] ?? job));
    for (const [compose, kubernetes] of Object.entries(KUBE_PROMETHEUS)) {
      expect(sourceJobs, `the rule files select job="${compose}"`).toContain(compose);
      expect(generatedJobs, `job="${compose}" left in the PrometheusRule`).not.toContain(compose);
      expect(generatedJobs).toContain(kubernetes);
    }
    // Every job selected exists on Kubernetes: the ServiceMonitor's (the gateway), kube-prometheus'
    // (host, Prometheus, Alertmanager), and nginx's exporter, which deploy/k8s does not ship (an
    // Ingress is the edge there): PharosNginxDown stays silent unless you run one under that job.
    const monitor = find<{ spec: { endpoints: { relabelings: { targetLabel: string; replacement?: string }[] }[] } }>(base.objects, "ServiceMonitor");
    const serviceMonitorJobs = monitor.spec.endpoints.map((endpoint) => endpoint.relabelings.find((relabel) => relabel.targetLabel === "job")?.replacement);
    expect(new Set(generatedJobs)).toEqual(new Set([...serviceMonitorJobs, ...Object.values(KUBE_PROMETHEUS), "nginx"]));
  });

  it("renames matchers in expressions and annotation queries, and takes other names from --job (make k8s-rules K8S_RULE_JOBS=…)", () => {
    expect(renameJobs('up{job="node"} + up{job!="prometheus"} + up{job=~"alertmanager|pharos"} + up{job="nodes"}', KUBE_PROMETHEUS)).toBe(
      'up{job="node-exporter"} + up{job!="prometheus-k8s"} + up{job=~"alertmanager-main|pharos"} + up{job="nodes"}',
    );
    expect(renameJobs('{{ with query "count(up{job=\\"node\\"})" }}', KUBE_PROMETHEUS)).toBe('{{ with query "count(up{job=\\"node-exporter\\"})" }}');
    const jobs = jobNamesFromArgs(["--check", "--job", "node=host-metrics", "--job=alertmanager=kube-prometheus-stack-alertmanager"]);
    expect(jobs).toEqual({ node: "host-metrics", prometheus: "prometheus-k8s", alertmanager: "kube-prometheus-stack-alertmanager" });
    const custom = renderPrometheusRule(ROOT, jobs);
    expect(custom).toContain('node_memory_MemAvailable_bytes{job="host-metrics"}');
    expect(custom).toContain('alertmanager_config_last_reload_successful{job="kube-prometheus-stack-alertmanager"}');
    expect(custom).toContain('prometheus_config_last_reload_successful{job="prometheus-k8s"}');
    expect(custom).not.toContain('job="node-exporter"');
    expect(() => jobNamesFromArgs(["--job", "node"])).toThrow(/NAME=K8S_NAME/);
  });
});
