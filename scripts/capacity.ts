/**
 * Capacity per core, measured with the load harness against a running native stack
 * (`make stack`): pharos-load drives chat completions (closed model, no think time) at the
 * gateway directly or through nginx, while this script reads the CPU time the gateway, nginx
 * and the mock upstream spend (/proc, each process group) — CPU seconds per request is what
 * stays meaningful on a shared machine, and 1 / that is the requests/s one core sustains.
 * docs/scaling.md records the results.
 *
 *   make stack STACK_GATEWAYS=1 STACK_NUM_WORKERS=1 STACK_PROFILES=bench
 *   node dist/scripts/capacity.js [--via gateway|edge] [--model bench-mock] [--users 32] [--seconds 20]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./stack/nginx.ts";
import type { StackState } from "./stack/stack.ts";

const CLOCK_TICKS = 100;

/**
 * CPU seconds of the group led by `pgid`: user + system time of every live member plus the time
 * of children they reaped (a recycled worker's CPU moves into its primary's cutime/cstime).
 */
function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // After the comm: state, ppid, pgrp, ... utime (14th field), stime, cutime, cstime (17th).
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / CLOCK_TICKS;
}

const { values } = parseArgs({
  options: {
    via: { type: "string", default: "gateway" },
    model: { type: "string", default: "bench-mock" },
    users: { type: "string", default: "32" },
    seconds: { type: "string", default: "20" },
    "stack-dir": { type: "string", default: process.env["STACK_DIR"] || join(REPO_ROOT, ".stack") },
    // Streams: the mock upstream sends each token chunk after this many ms (0 = not streaming).
    "stream-chunk-ms": { type: "string", default: "0" },
  },
});
const chunkMs = Number(values["stream-chunk-ms"]);
const state = JSON.parse(readFileSync(join(resolve(values["stack-dir"]!), "stack.json"), "utf8")) as StackState;
const pid = (name: string): number | undefined => state.processes.find((started) => started.name === name)?.pid;
const host = values.via === "edge" ? `https://127.0.0.1:${state.ports.nginxHttps}` : `http://127.0.0.1:${state.ports.gateways[0]!.port}`;

const work = mkdtempSync(join(tmpdir(), "pharos-capacity-"));
const scenario = join(work, "capacity.yaml");
writeFileSync(
  scenario,
  [
    "name: capacity",
    "users:",
    "  - name: Saturating",
    "    wait_time: constant(0)",
    "    headers:",
    `      Authorization: "Bearer ${state.masterKey}"`,
    "    tasks:",
    "      - method: POST",
    "        path: /v1/chat/completions",
    "        body:",
    `          model: ${values.model}`,
    ...(chunkMs > 0 ? ["          stream: true", "          max_tokens: 20"] : []),
    "          messages:",
    "            - role: user",
    "              content: test",
    "metrics:",
    "  - name: LiteLLM Overhead Duration (ms)",
    "    header: x-litellm-overhead-duration-ms",
    "",
  ].join("\n"),
);

const mockControl = `http://127.0.0.1:${state.ports.mockUpstream}/__mock/faults`;
if (chunkMs > 0) {
  await fetch(mockControl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ default: { chunkDelayMs: chunkMs, reply: Array(20).fill("token").join(" ") } }) });
}
const rssKb = (pgid: number | undefined): number => {
  let total = 0;
  if (pgid === undefined) return 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return total;
};
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssKb(pid("gateway-1")))), 500);
const groups = { gateway: pid("gateway-1"), nginx: pid("nginx"), mock: pid("mock-upstream"), redis: pid("redis"), postgres: pid("postgres") };
const before = Object.fromEntries(Object.entries(groups).map(([name, id]) => [name, id === undefined ? 0 : groupCpuSeconds(id)]));
const { spawn } = await import("node:child_process");
const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
  const child = spawn(
  process.execPath,
  [join(REPO_ROOT, "dist/loadtest/src/main.js"), "-f", scenario, "-H", host, "-u", values.users!, "-r", values.users!, "-t", `${values.seconds}s`, "--headless", "--only-summary", "--csv", join(work, "run")],
  { env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: "0" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.on("exit", (status) => done({ status, stdout, stderr }));
});
clearInterval(rssTimer);
if (chunkMs > 0) await fetch(mockControl, { method: "DELETE" });
const after = Object.fromEntries(Object.entries(groups).map(([name, id]) => [name, id === undefined ? 0 : groupCpuSeconds(id)]));
if (run.status !== 0 && run.status !== 1) {
  process.stderr.write(`pharos-load failed (${run.status}):\n${run.stdout}${run.stderr}\n`);
  process.exit(1);
}

const rows = readFileSync(join(work, "run_stats.csv"), "utf8").trim().split("\n").map((line) => line.split(","));
const header = rows[0]!;
const column = (row: string[], name: string): number => Number(row[header.indexOf(name)]);
const request = rows.find((row) => row[0] === "POST")!;
const overhead = rows.find((row) => row[1]?.startsWith("LiteLLM Overhead"));
rmSync(work, { recursive: true, force: true });

const count = column(request, "Request Count");
const cpuMs = (name: string): string => (count === 0 ? "-" : (((after[name]! - before[name]!) * 1000) / count).toFixed(3));
const gatewayCpuMs = ((after["gateway"]! - before["gateway"]!) * 1000) / count;
const lines = [
  `capacity: ${values.users} users, no think time, ${values.seconds} s, model ${values.model}${chunkMs > 0 ? `, streams of 20 chunks every ${chunkMs} ms` : ""}, via ${values.via} (${host})`,
  `  requests           ${count} (${column(request, "Failure Count")} failed)`,
  `  throughput         ${column(request, "Requests/s").toFixed(1)} req/s (load generator on the same machine)`,
  `  latency            p50 ${column(request, "50%")} ms, p95 ${column(request, "95%")} ms, p99 ${column(request, "99%")} ms`,
  overhead === undefined ? "" : `  overhead (header)  p50 ${column(overhead, "50%")} ms, p99 ${column(overhead, "99%")} ms`,
  `  CPU per request    gateway ${cpuMs("gateway")} ms, nginx ${cpuMs("nginx")} ms, redis ${cpuMs("redis")} ms, postgres ${cpuMs("postgres")} ms, mock upstream ${cpuMs("mock")} ms`,
  `  per core           ${(1000 / gatewayCpuMs).toFixed(0)} req/s of gateway CPU (1 / CPU per request)`,
  `  gateway memory     peak RSS ${(peakRss / 1024).toFixed(0)} MiB (primary + worker)`,
];
process.stdout.write(`${lines.filter((line) => line !== "").join("\n")}\n`);
