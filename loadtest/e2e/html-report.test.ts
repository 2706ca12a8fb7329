/**
 * --html: one self-contained file whose charts actually render in a real browser (headless
 * Chromium): the SVG polylines exist only after the inline script ran, and the page loads
 * nothing from the network.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, dumpDom, screenshot } from "./support/chromium.ts";
import { chatStreamFrames, ScriptedServer } from "./support/scripted-server.ts";
import { removeTempDirs, runHarness, STREAMING_CHAT_SCENARIO, tempDir, writeScenario } from "./support/run-harness.ts";

const STREAMING = `${STREAMING_CHAT_SCENARIO}metrics:
  - { name: LiteLLM Overhead Duration (ms), header: x-litellm-overhead-duration-ms }
`;

const server = new ScriptedServer((_request, index) => ({
  delayMs: 15,
  headers: { "x-litellm-overhead-duration-ms": String(0.5 + (index % 7) * 0.25) },
  frames: chatStreamFrames(["Hello", " there", ",", " friend"]),
  frameDelayMs: 4,
}));

const dir = tempDir();
const html = join(dir, "report_{u}.html");
let source = "";

beforeAll(async () => {
  const url = await server.listen();
  writeScenario(dir, "stream.yaml", STREAMING);
  const run = await runHarness(["-f", "stream.yaml", "-H", url, "-u", "3", "-r", "3", "-t", "3", "--html", html, "--only-summary"], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/time to first token/);
  source = readFileSync(join(dir, "report_3.html"), "utf8");
}, 30_000);

afterAll(() => {
  server.close();
  removeTempDirs();
});

describe("--html report", () => {
  it("is self-contained: no external scripts, styles, images or fonts", () => {
    expect(source).not.toMatch(/<(script|img|iframe)[^>]+src=/i);
    expect(source).not.toMatch(/<link[^>]+href=/i);
    expect(source).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(source).not.toMatch(/@import/);
    // charts are drawn by the browser, not pre-rendered
    expect(source).not.toMatch(/<polyline/);
  });

  it("carries the run's configuration and Locust's stats table", () => {
    expect(source).toMatch(/Request statistics \(Locust\)/);
    expect(source).toMatch(/closed model \(Locust users\): 3 users, spawn rate 3\/s/);
    expect(source).toMatch(/LiteLLM Overhead Duration \(ms\)/);
  });

  it.skipIf(CHROMIUM === undefined)("renders every chart in headless Chromium", async () => {
    const dom = await dumpDom(join(dir, "report_3.html"));
    const charts = ["rps", "users", "latency", "latency-distribution", "overhead", "ttft"];
    expect(dom).toMatch(new RegExp(`data-charts-rendered="${charts.length}"`));
    expect(dom).not.toMatch(/data-error=/);
    for (const id of charts) {
      const figure = new RegExp(`<figure id="chart-${id}"[^>]*>(.*?)</figure>`, "s").exec(dom)?.[1] ?? "";
      const polylines = [...figure.matchAll(/<polyline points="([^"]+)"/g)].map((match) => (match[1] ?? "").trim().split(" ").length);
      expect(polylines.length, id).toBeGreaterThan(0);
      expect(Math.max(...polylines), id).toBeGreaterThan(1);
    }
  }, 40_000);

  it.skipIf(CHROMIUM === undefined)("produces a screenshot that is not blank", async () => {
    const png = join(dir, "report.png");
    await screenshot(join(dir, "report_3.html"), png);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    // a blank page compresses to a few KB; charts, tables and text do not
    expect(bytes.length).toBeGreaterThan(30_000);
  }, 40_000);
});

if (CHROMIUM === undefined) console.warn("html-report.test.ts: chromium not found (apt-get install chromium, or set CHROMIUM_PATH): browser rendering tests skipped");
