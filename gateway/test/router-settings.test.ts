/**
 * Router settings wired from config.yaml to behaviour, one row each, through real `pharos serve`
 * processes and mock upstreams that count hits: retry_policy, allowed_fails_policy,
 * disable_cooldowns, content_policy_fallbacks, default_fallbacks, max_fallbacks (their rules are
 * unit-tested in router/policies.test.ts; this proves the config reaches them), the skip of
 * a deployment over its own tpm, and the request's own num_retries and fallbacks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { NO_DB, awayFromMinuteEdge, chat, chatHits, deployment } from "./router-support.ts";
import type { Answer } from "./router-support.ts";

const MOCKS = ["r1", "r2", "r3", "f1", "f2", "t1", "t2", "m1", "l1", "c0", "fb1", "fb2", "fb3", "s1", "s2", "lo1", "dflt", "tk1", "tk2", "tsolo"] as const;
type MockName = (typeof MOCKS)[number];
const mocks = {} as Record<MockName, MockUpstream>;
let policies: GatewayProcess;
let lenient: GatewayProcess;

const hits = (...names: MockName[]): number[] => names.map((name) => chatHits(mocks[name]));
const message = (answer: Answer): string => (answer.body as { error: { message: string } }).error.message;
const model = (answer: Answer): string => (answer.body as { model: string }).model;
const header = (answer: Answer, name: string): string | null => answer.headers.get(name);

beforeAll(async () => {
  for (const name of MOCKS) mocks[name] = await startMock();
  const d = (group: string, id: MockName, params: Record<string, unknown> = {}) => deployment(group, id, mocks[id], params);
  [policies, lenient] = await Promise.all([
    startGateway({
      env: NO_DB,
      config: {
        model_list: [
          d("retry", "r1"),
          d("retry", "r2"),
          d("retry", "r3"),
          d("fragile", "f1"),
          d("fragile", "f2"),
          d("tolerant", "t1"),
          d("tolerant", "t2"),
          d("moderated", "m1"),
          d("lenient", "l1"),
          d("chain", "c0"),
          d("fb1", "fb1"),
          d("fb2", "fb2"),
          d("fb3", "fb3"),
          d("tokens", "tk1", { tpm: 30 }),
          d("tokens", "tk2"),
          d("tsolo", "tsolo", { tpm: 1 }),
        ],
        router_settings: {
          routing_strategy: "round_robin",
          num_retries: 0,
          retry_policy: { RateLimitErrorRetries: 2 },
          allowed_fails: 100,
          allowed_fails_policy: { InternalServerErrorAllowedFails: 0 },
          cooldown_time: 30,
          fallbacks: [{ chain: ["fb1", "fb2", "fb3"] }],
          max_fallbacks: 2,
          content_policy_fallbacks: [{ moderated: ["lenient"] }],
        },
      },
    }),
    startGateway({
      env: NO_DB,
      config: {
        model_list: [d("steady", "s1"), d("steady", "s2"), d("lonely", "lo1"), d("dflt", "dflt")],
        router_settings: { routing_strategy: "round_robin", num_retries: 0, allowed_fails: 0, cooldown_time: 30, disable_cooldowns: true, default_fallbacks: ["dflt"] },
      },
    }),
  ]);
});

beforeEach(() => {
  for (const mock of Object.values(mocks)) {
    mock.faults.clear();
    mock.resetStats();
  }
});

afterAll(async () => {
  await stopAllGateways();
  await closeAllMocks();
  removeTempDirs();
});

interface Row {
  readonly setting: string;
  readonly proves: string;
  run(): Promise<void>;
}

const rows: Row[] = [
  {
    setting: "retry_policy",
    proves: "RateLimitErrorRetries: 2 retries a 429 twice although num_retries is 0",
    async run() {
      for (const name of ["r1", "r2", "r3"] as const) mocks[name].faults.setDefault({ status: 429, message: `${name} is busy` });
      const answer = await chat(policies.url, "retry");
      expect(answer.status).toBe(429);
      expect(header(answer, "x-litellm-attempted-retries")).toBe("2");
      expect(hits("r1", "r2", "r3")).toEqual([1, 1, 1]);
    },
  },
  {
    setting: "allowed_fails_policy",
    proves: "InternalServerErrorAllowedFails: 0 cools on the first 5xx, while 429s (allowed_fails 100) never cool",
    async run() {
      mocks.f1.faults.push({ status: 500, message: "f1 broke" });
      mocks.t1.faults.setDefault({ status: 429, message: "t1 is busy" });
      const fragile: number[] = [];
      const tolerant: number[] = [];
      for (let i = 0; i < 6; i++) {
        fragile.push((await chat(policies.url, "fragile")).status);
        tolerant.push((await chat(policies.url, "tolerant")).status);
      }
      // f1: one 500, then cooled for 30 s: the rest go to f2.
      expect(fragile).toEqual([500, 200, 200, 200, 200, 200]);
      expect(hits("f1", "f2")).toEqual([1, 5]);
      // t1 is never cooled: it keeps getting every request first (each 429 retried on t2 by the retry_policy).
      expect(tolerant).toEqual(Array(6).fill(200));
      expect(hits("t1", "t2")).toEqual([6, 6]);
    },
  },
  {
    setting: "disable_cooldowns",
    proves: "nothing cools even with allowed_fails 0",
    async run() {
      mocks.s1.faults.setDefault({ status: 500, message: "s1 is down" });
      for (let i = 0; i < 8; i++) await chat(lenient.url, "steady");
      expect(hits("s1", "s2")).toEqual([4, 4]);
    },
  },
  {
    setting: "content_policy_fallbacks",
    proves: "a content-policy refusal goes to its own list, without retries",
    async run() {
      mocks.m1.faults.push({ status: 400, message: "Your request was rejected by our content management policy", code: "content_policy_violation" });
      const answer = await chat(policies.url, "moderated");
      expect(answer.status).toBe(200);
      expect(model(answer)).toBe("l1-model");
      expect(header(answer, "x-litellm-attempted-fallbacks")).toBe("1");
      expect(hits("m1", "l1")).toEqual([1, 1]);
    },
  },
  {
    setting: "default_fallbacks",
    proves: "a group without a fallbacks entry falls back to the default list",
    async run() {
      mocks.lo1.faults.setDefault({ status: 503, message: "lo1 is overloaded" });
      const answer = await chat(lenient.url, "lonely");
      expect(answer.status).toBe(200);
      expect(model(answer)).toBe("dflt-model");
      expect(header(answer, "x-litellm-attempted-fallbacks")).toBe("1");
    },
  },
  {
    setting: "max_fallbacks",
    proves: "max_fallbacks: 2 stops after two fallback groups, though a third would answer",
    async run() {
      for (const name of ["c0", "fb1", "fb2"] as const) mocks[name].faults.setDefault({ status: 500, message: `${name} is down` });
      const answer = await chat(policies.url, "chain");
      expect(answer.status).toBe(500);
      expect(message(answer)).toContain("fallbacks tried: fb1 (upstream_server_error), fb2 (upstream_server_error)");
      expect(header(answer, "x-litellm-attempted-fallbacks")).toBe("2");
      expect(hits("fb1", "fb2", "fb3")).toEqual([1, 1, 0]);
    },
  },
  {
    setting: "request num_retries",
    proves: "a request's num_retries: 2 retries a 500 twice where num_retries is 0; a negative one is a 400",
    async run() {
      for (const name of ["r1", "r2", "r3"] as const) mocks[name].faults.setDefault({ status: 500, message: `${name} broke` });
      const retried = await chat(policies.url, "retry", { num_retries: 2 });
      expect(retried.status).toBe(500);
      expect(header(retried, "x-litellm-attempted-retries")).toBe("2");
      expect(hits("r1", "r2", "r3")).toEqual([1, 1, 1]);
      const plain = await chat(policies.url, "retry");
      expect(header(plain, "x-litellm-attempted-retries")).toBe("0");
      expect((await chat(policies.url, "retry", { num_retries: -1 })).status).toBe(400);
    },
  },
  {
    setting: "request fallbacks",
    proves: "a request's fallbacks take the place of the configured chain; unknown groups are a 400 naming 'fallbacks'",
    async run() {
      mocks.c0.faults.setDefault({ status: 500, message: "c0 is down" });
      const answer = await chat(policies.url, "chain", { fallbacks: ["fb3"] });
      expect(answer.status).toBe(200);
      expect(model(answer)).toBe("fb3-model");
      expect(header(answer, "x-litellm-attempted-fallbacks")).toBe("1");
      expect(hits("fb1", "fb2", "fb3")).toEqual([0, 0, 1]);
      // Refused before anything is sent (c0 may be cooling from the max_fallbacks row: not counted on).
      const before = hits("c0", "fb1", "fb2", "fb3");
      const unknown = await chat(policies.url, "chain", { fallbacks: ["fb3", "no-such-group"] });
      expect(unknown.status).toBe(404);
      expect((unknown.body as { error: { param: string } }).error.param).toBe("fallbacks");
      expect(message(unknown)).toContain("'no-such-group' does not exist");
      expect(hits("c0", "fb1", "fb2", "fb3")).toEqual(before);
    },
  },
  {
    setting: "litellm_params.tpm",
    proves: "a deployment over its own tpm this minute is skipped; alone, it answers 429 naming the limit",
    async run() {
      await awayFromMinuteEdge(10);
      const first = await chat(policies.url, "tokens");
      const tokens = (first.body as { usage: { total_tokens: number } }).usage.total_tokens;
      expect(tokens).toBeGreaterThan(0);
      for (let i = 0; i < 11; i++) expect((await chat(policies.url, "tokens")).status).toBe(200);
      // Round robin sends tk1 every other request until its tokens reach 30, then nothing.
      const tk1 = Math.ceil(30 / tokens);
      expect(hits("tk1", "tk2")).toEqual([tk1, 12 - tk1]);
      expect((await chat(policies.url, "tsolo")).status).toBe(200);
      const refused = await chat(policies.url, "tsolo");
      expect(refused.status).toBe(429);
      expect(message(refused)).toContain(`tsolo (${mocks.tsolo.url}/v1) reached its tpm limit (1) for this minute`);
      expect(hits("tsolo")).toEqual([1]);
    },
  },
];

describe("router settings from config.yaml, end to end", () => {
  it.each(rows)("$setting: $proves", (row) => row.run());
});
