/**
 * Renders a kustomization: with `kubectl kustomize` or `kustomize build` when one is installed,
 * else with a small renderer of the features deploy/k8s uses (resources, labels,
 * configMapGenerator, secretGenerator, namespace, images, JSON 6902 patches). Used by
 * `make validate` (scripts/validate.ts) and tests/deploy-k8s.test.ts, which compares the two
 * wherever kubectl exists, so the fallback stays faithful.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };

export function kustomizeTool(): "kubectl" | "kustomize" | undefined {
  for (const tool of ["kubectl", "kustomize"] as const) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0) return tool;
  }
  return undefined;
}

export function parseDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJSON() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

type KustomizeTool = ReturnType<typeof kustomizeTool>;

/** The real tool's rendering; undefined when none is installed. */
export function kustomizeWithTool(dir: string, tool: KustomizeTool = kustomizeTool()): K8sObject[] | undefined {
  if (tool === undefined) return undefined;
  const result = tool === "kubectl" ? spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" }) : spawnSync("kustomize", ["build", dir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${tool} failed on ${dir}:\n${result.stderr}`);
  return parseDocuments(result.stdout);
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean }[];
  configMapGenerator?: { name: string; files?: string[]; literals?: string[]; envs?: string[] }[];
  secretGenerator?: { name: string; files?: string[]; literals?: string[]; envs?: string[] }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { target: { kind?: string; name?: string }; patch: string }[];
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass"]);

function envEntries(path: string): [string, string][] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
}

function generatorData(dir: string, generator: { files?: string[]; literals?: string[]; envs?: string[] }): Record<string, string> {
  const data: Record<string, string> = {};
  for (const file of generator.files ?? []) data[basename(file)] = readFileSync(join(dir, file), "utf8");
  for (const literal of generator.literals ?? []) data[literal.slice(0, literal.indexOf("="))] = literal.slice(literal.indexOf("=") + 1);
  for (const env of generator.envs ?? []) for (const [key, value] of envEntries(join(dir, env))) data[key] = value;
  return data;
}

function replaceImages(value: unknown, images: NonNullable<Kustomization["images"]>): unknown {
  if (Array.isArray(value)) return value.map((item) => replaceImages(item, images));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "image" && typeof item === "string") {
      const [name, tag] = item.split(":");
      const image = images.find((candidate) => candidate.name === name);
      out[key] = image === undefined ? item : `${image.newName ?? name}:${image.newTag ?? tag ?? "latest"}`;
    } else out[key] = replaceImages(item, images);
  }
  return out;
}

function applyJsonPatch(object: K8sObject, operations: { op: string; path: string; value?: unknown }[]): void {
  for (const operation of operations) {
    const parts = operation.path.split("/").slice(1).map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop()!;
    let target = object as Record<string, unknown>;
    for (const part of parts) target = target[part] as Record<string, unknown>;
    if (operation.op === "replace" || operation.op === "add") target[last] = operation.value;
    else if (operation.op === "remove") delete target[last];
    else throw new Error(`fallback kustomize: unsupported patch op ${operation.op}`);
  }
}

/** The fallback renderer (generated names carry no hash suffix). */
export function kustomizeFallback(dir: string): K8sObject[] {
  const file = ["kustomization.yaml", "kustomization.yml", "Kustomization"].map((name) => join(dir, name)).find((path) => existsSync(path));
  if (file === undefined) throw new Error(`no kustomization in ${dir}`);
  const kustomization = parse(readFileSync(file, "utf8")) as Kustomization;
  let objects: K8sObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    objects.push(...(existsSync(join(path, "kustomization.yaml")) ? kustomizeFallback(path) : parseDocuments(readFileSync(path, "utf8"))));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: generator.name }, data: generatorData(dir, generator) });
  }
  for (const generator of kustomization.secretGenerator ?? []) {
    const data = Object.fromEntries(Object.entries(generatorData(dir, generator)).map(([key, value]) => [key, Buffer.from(value).toString("base64")]));
    objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: generator.name }, type: "Opaque", data });
  }
  for (const { pairs } of kustomization.labels ?? []) {
    for (const object of objects) object.metadata.labels = { ...object.metadata.labels, ...pairs };
  }
  if (kustomization.namespace !== undefined) {
    for (const object of objects) if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
  }
  if (kustomization.images !== undefined) objects = objects.map((object) => replaceImages(object, kustomization.images!) as K8sObject);
  for (const patch of kustomization.patches ?? []) {
    for (const object of objects) {
      if ((patch.target.kind === undefined || patch.target.kind === object.kind) && (patch.target.name === undefined || patch.target.name === object.metadata.name)) {
        applyJsonPatch(object, parse(patch.patch) as { op: string; path: string; value?: unknown }[]);
      }
    }
  }
  return objects;
}

/** The tool's rendering when one is installed, else the fallback's. */
export function kustomizeBuild(dir: string, tool: KustomizeTool = kustomizeTool()): { objects: K8sObject[]; renderer: string } {
  const withTool = kustomizeWithTool(dir, tool);
  return withTool === undefined || tool === undefined ? { objects: kustomizeFallback(dir), renderer: "fallback renderer" } : { objects: withTool, renderer: tool };
}
