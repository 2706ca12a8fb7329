/**
 * Workers end to end: `pharos serve --num-workers N` recycles workers after
 * --max-requests-before-restart under continuous load without losing a request, and SIGTERM
 * lets a stream in flight finish (single process and clustered) before exiting 0.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { NO_DB, chat, chatHits, deployment } from "./router-support.ts";

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

function config(mock: MockUpstream): Record<string, unknown> {
  return { model_list: [deployment("g", "m", mock)] };
}

describe("worker recycling", () => {
  it("recycles workers under continuous load without losing a request", async () => {
    const mock = await startMock({ latencyMs: 5 });
    const gateway = await startGateway({
      config: config(mock),
      args: ["--num_workers", "2", "--max_requests_before_restart", "20"],
      env: { ...NO_DB, LITELLM_LOG: "INFO" },
      readyTimeoutMs: 60_000,
    });
    const failures: string[] = [];
    let ok = 0;
    const recycled = (): number => gateway.output().split("\n").filter((line) => line.includes("recycling worker")).length;
    // Continuous load until two recycles completed (bounded in requests and time).
    const deadline = Date.now() + 60_000;
    let sent = 0;
    const loop = async (): Promise<void> => {
      while ((recycled() < 2 || sent < 80) && sent < 3000 && Date.now() < deadline) {
        sent += 1;
        try {
          const answer = await chat(gateway.url, "g");
          if (answer.status === 200) ok += 1;
          else failures.push(`HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
        } catch (error) {
          failures.push(String((error as Error).cause ?? error));
        }
      }
    };
    await Promise.all([loop(), loop(), loop(), loop()]);
    expect(failures).toEqual([]);
    expect(ok).toBe(sent);
    expect(chatHits(mock)).toBe(sent);
    expect(recycled()).toBeGreaterThanOrEqual(2);
    expect(gateway.output()).not.toContain("exited unexpectedly");
    expect(await gateway.stop("SIGTERM")).toBe(0);
  });
});

describe("workers without Redis", () => {
  it("share rpm limits and cooldowns through the primary", async () => {
    const limited = await startMock();
    const x = await startMock();
    const y = await startMock();
    const gateway = await startGateway({
      config: {
        model_list: [deployment("limited", "lim", limited, { rpm: 4 }), deployment("pair", "x", x), deployment("pair", "y", y)],
        router_settings: { routing_strategy: "round_robin", num_retries: 0, allowed_fails: 0, cooldown_time: 30 },
        // A setting Pharos warns about: the warning is logged once, not once per worker.
        litellm_settings: { redact_user_api_key_info: true },
      },
      args: ["--num-workers", "2"],
      env: { ...NO_DB, LITELLM_LOG: "INFO" },
      readyTimeoutMs: 60_000,
    });
    // Both workers must be up: a new connection per request, spread across them by the primary.
    const pidsOf = (marker: string): Set<string | undefined> => new Set(gateway.output().split("\n").filter((line) => line.includes(marker)).map((line) => /"pid":(\d+)/.exec(line)?.[1]));
    await waitFor(async () => {
      await fetch(`${gateway.url}/v1/models`, { headers: { connection: "close" } });
      return pidsOf('"route":"models"').size >= 2;
    }, { what: "two workers answering", timeoutMs: 20_000 });
    expect(gateway.output().split("litellm_settings.redact_user_api_key_info: accepted but not implemented").length - 1).toBe(1);
    const close = { connection: "close" };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await chat(gateway.url, "limited", {}, close)).status);
      await sleep(40);
    }
    // rpm 4 holds for the process group, not 4 per worker.
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(chatHits(limited)).toBe(4);
    expect(pidsOf('"group":"limited"').size).toBe(2);

    x.faults.setDefault({ status: 500 });
    for (let i = 0; i < 10; i++) {
      await chat(gateway.url, "pair", {}, close);
      await sleep(20);
    }
    // allowed_fails 0: the first failure cools x in the worker that saw it, and in its sibling.
    expect(chatHits(x)).toBe(1);
    const cooled = gateway.output().split("\n").filter((line) => line.includes("cooled down"));
    expect(cooled.map((line) => /"source":"(\w+)"/.exec(line)?.[1]).sort()).toEqual(["local", "shared"]);
  });
});

/** Opens a stream, sends SIGTERM after the first chunk, and reads the stream to its end. */
async function streamThroughSigterm(gateway: GatewayProcess): Promise<{ text: string; exitCode: number | null }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "g", stream: true, messages: [{ role: "user", content: "hello" }] }),
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let exited: Promise<number | null> | undefined;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (exited === undefined && text.includes("data: ")) exited = gateway.stop("SIGTERM", 20_000);
  }
  return { text, exitCode: await exited! };
}

function contentFrames(text: string): string[] {
  return text.split("\n\n").filter((frame) => frame.startsWith("data: {") && frame.includes('"content"'));
}

describe("SIGTERM", () => {
  it("lets a stream in flight finish, then exits 0 (one process)", async () => {
    const mock = await startMock({ chunkDelayMs: 150 });
    const gateway = await startGateway({ config: config(mock), env: NO_DB });
    const { text, exitCode } = await streamThroughSigterm(gateway);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(contentFrames(text).length).toBeGreaterThanOrEqual(8);
    expect(text).not.toContain('"error"');
    expect(exitCode).toBe(0);
  });

  it("cuts what is still running at the grace deadline (--drain-timeout) and exits 0", async () => {
    const mock = await startMock({ chunkDelayMs: 400 });
    const gateway = await startGateway({ config: config(mock), args: ["--drain-timeout", "1"], env: NO_DB });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "g", stream: true, messages: [{ role: "user", content: "hello" }] }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    const exited = gateway.stop("SIGTERM");
    let text = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } catch {
      // The connection was closed under the stream at the deadline.
    }
    // The stream needed ~3.6 s more; the drain gave it 1 s.
    expect(text).not.toContain("[DONE]");
    expect(await exited).toBe(0);
  });

  it("lets a stream in flight finish, then exits 0 (two workers)", async () => {
    const mock = await startMock({ chunkDelayMs: 150 });
    const gateway = await startGateway({ config: config(mock), args: ["--num-workers", "2"], env: NO_DB, readyTimeoutMs: 60_000 });
    const { text, exitCode } = await streamThroughSigterm(gateway);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(contentFrames(text).length).toBeGreaterThanOrEqual(8);
    expect(exitCode).toBe(0);
    await waitFor(() => gateway.child.exitCode !== null, { what: "the primary to exit" });
  });
});
