import { describe, expect, it } from "vitest";
import type { Deployment } from "../router/deployments.ts";
import { OutageTracker } from "./outage-tracker.ts";

const box = { id: "ollama-1", group: "llama", model: "ollama/llama3.2", apiBaseForHeader: "http://192.168.1.2:11434" } as unknown as Deployment;
const other = { id: "ollama-2", group: "llama", model: "ollama/llama3.2", apiBaseForHeader: "http://192.168.1.11:11434" } as unknown as Deployment;

describe("outage alerts", () => {
  it("5 timeouts/5xx in the window is a minor outage, 10 a major one, each once per window", () => {
    const tracker = new OutageTracker({ windowMs: 60_000, minor: 5, major: 10, maxListSize: 1000 });
    const levels: string[] = [];
    for (let i = 0; i < 25; i++) {
      const alert = tracker.failure(box, i % 2 === 0 ? "upstream_timeout" : "upstream_server_error", 1000 + i * 100);
      if (alert !== undefined) levels.push(`${i + 1}:${alert.level}:${alert.title}`);
    }
    expect(levels).toEqual(["5:Medium:Minor outage: 5 failed calls in 60 s", "10:High:Major outage: 10 failed calls in 60 s"]);
    const major = tracker.failure(box, "upstream_timeout", 61_000 + 1000);
    expect(major?.title).toBe("Major outage: 15 failed calls in 60 s"); // the failures before 2 s left the window
  });

  it("names the deployment, its api_base and the errors", () => {
    const tracker = new OutageTracker({ windowMs: 60_000, minor: 2, major: 10, maxListSize: 1000 });
    tracker.failure(box, "upstream_connection", 0);
    const alert = tracker.failure(box, "upstream_timeout", 10);
    expect(alert).toMatchObject({ type: "outage_alerts", group: "llama", deploymentId: "ollama-1", apiBase: "http://192.168.1.2:11434", detail: "errors: upstream_connection ×1, upstream_timeout ×1", dashboard: "pharos-models" });
    expect(alert?.numbers).toEqual({ failures: 2, "window (s)": 60, threshold: 2 });
  });

  it("ignores client errors and rate limits, counts each deployment apart, and forgets failures older than the window", () => {
    const tracker = new OutageTracker({ windowMs: 60_000, minor: 5, major: 10, maxListSize: 1000 });
    for (let i = 0; i < 20; i++) expect(tracker.failure(box, i % 2 === 0 ? "upstream_bad_request" : "upstream_rate_limited", i)).toBeUndefined();
    for (let i = 0; i < 4; i++) tracker.failure(box, "upstream_server_error", i);
    for (let i = 0; i < 4; i++) expect(tracker.failure(other, "upstream_server_error", i)).toBeUndefined();
    // The fifth failure of `box` comes after its first four left the window.
    expect(tracker.failure(box, "upstream_server_error", 70_000)).toBeUndefined();
    tracker.prune(200_000);
    for (let i = 0; i < 4; i++) expect(tracker.failure(box, "upstream_server_error", 200_000 + i)).toBeUndefined();
    expect(tracker.failure(box, "upstream_server_error", 200_010)?.level).toBe("Medium");
  });

  it("remembers at most max_outage_alert_list_size failures", () => {
    const tracker = new OutageTracker({ windowMs: 60_000, minor: 1000, major: 2000, maxListSize: 50 });
    for (let i = 0; i < 5000; i++) expect(tracker.failure(box, "upstream_server_error", i)).toBeUndefined();
  });
});
