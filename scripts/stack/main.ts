/**
 * `node dist/scripts/stack/main.js up | down | status` — the native stack behind `make stack`
 * and `make stack-down` (docs/deployment.md). Settings from the environment:
 *   STACK_DIR (.stack)  STACK_PORT_BASE (14000)  STACK_GATEWAYS (2)  STACK_NUM_WORKERS (1)
 *   STACK_PROFILES (e.g. "bench")  STACK_ENV_FILE (.env, else .env.example)
 */
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "./nginx.ts";
import { groupAlive } from "./processes.ts";
import { MAX_GATEWAYS, recordedProcesses, stackDown, stackUp } from "./stack.ts";
import type { StackState } from "./stack.ts";

function intFrom(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`${name}: expected an integer, got "${value}"`);
  return Number(value);
}

const runDir = resolve(process.env["STACK_DIR"] || join(REPO_ROOT, ".stack"));
const log = (line: string): void => void process.stdout.write(`${line}\n`);

function envFile(): string {
  const chosen = process.env["STACK_ENV_FILE"];
  if (chosen !== undefined && chosen !== "") return resolve(chosen);
  const local = join(REPO_ROOT, ".env");
  return existsSync(local) ? local : join(REPO_ROOT, ".env.example");
}

function summary(state: StackState, file: string): string {
  const lines = ["", `Pharos native stack in ${state.runDir} (settings: ${file})`, ""];
  for (const started of state.processes) lines.push(`  ${started.name.padEnd(16)} pid ${String(started.pid).padEnd(8)} ${started.url ?? ""}`);
  for (const skipped of state.skipped) lines.push(`  skipped: ${skipped}`);
  const edge = `https://127.0.0.1:${state.ports.nginxHttps}`;
  const direct = `http://127.0.0.1:${state.ports.gateways[0]!.port}`;
  lines.push(
    "",
    "Try:",
    `  curl -k ${edge}/v1/chat/completions -H "Authorization: Bearer ${state.masterKey}" -H "Content-Type: application/json" \\`,
    `    -d '{"model": "fake-openai-endpoint", "messages": [{"role": "user", "content": "Hello!"}]}'`,
    `  make check PHAROS_URL=${direct} EDGE_URL=${edge}`,
    "Logs: " + join(state.runDir, "logs") + "    Stop: make stack-down",
    "",
  );
  return lines.join("\n");
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case "up": {
      const file = envFile();
      const state = await stackUp({
        runDir,
        portBase: intFrom("STACK_PORT_BASE", 14000),
        gateways: Math.min(intFrom("STACK_GATEWAYS", 2), MAX_GATEWAYS),
        workersPerGateway: intFrom("STACK_NUM_WORKERS", 1),
        profiles: (process.env["STACK_PROFILES"] ?? "").split(/[\s,]+/).filter((profile) => profile !== ""),
        envFile: file,
        log,
      });
      // For `make check` / `make probe` without arguments.
      writeFileSync(
        join(runDir, "urls.env"),
        `PHAROS_URL=http://127.0.0.1:${state.ports.gateways[0]!.port}\nPHAROS_HEALTH_URL=http://127.0.0.1:${state.ports.gateways[0]!.health}\nEDGE_URL=https://127.0.0.1:${state.ports.nginxHttps}\n`,
      );
      log(summary(state, file));
      return 0;
    }
    case "down":
      await stackDown(runDir, log);
      return 0;
    case "status": {
      const processes = recordedProcesses(runDir);
      if (processes.length === 0) log(`stack: nothing recorded in ${runDir}`);
      for (const started of processes) log(`  ${started.name.padEnd(16)} pid ${String(started.pid).padEnd(8)} ${groupAlive(started.pid) ? "running" : "not running"}`);
      return processes.every((started) => groupAlive(started.pid)) ? 0 : 1;
    }
    default:
      process.stderr.write("usage: stack up | down | status\n");
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`stack: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
