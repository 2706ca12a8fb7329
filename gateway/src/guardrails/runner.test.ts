import { describe, expect, it } from "vitest";
import { runPhase, ScanLedger } from "./runner.ts";
import type { GuardrailMetrics } from "./runner.ts";
import { ALLOW, ScanText } from "./scanner.ts";
import type { FailMode, Scanner, Verdict } from "./scanner.ts";

function scanner(name: string, scan: (text: ScanText) => Verdict, failMode: FailMode = "closed"): Scanner {
  return { name, kind: "ban_substrings", phase: "input", failMode, roles: "all", scan };
}

function busy(ms: number): Verdict {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Simulates a slow scanner.
  }
  return ALLOW;
}

const text = new ScanText("some prompt");
const run = (scanners: Scanner[], deadlineMs = 50) => runPhase(scanners, () => text, deadlineMs, new ScanLedger(scanners));

describe("runPhase", () => {
  it("runs every scanner in order and allows when none objects", () => {
    const seen: string[] = [];
    const outcome = run([scanner("a", () => (seen.push("a"), ALLOW)), scanner("b", () => (seen.push("b"), ALLOW))]);
    expect(seen).toEqual(["a", "b"]);
    expect(outcome).toEqual({ block: undefined, redactions: undefined, skipped: [] });
  });

  it("stops at the first block", () => {
    const seen: string[] = [];
    const outcome = run([
      scanner("a", () => (seen.push("a"), { action: "block", score: 0.9, reason: "toxicity", detail: "2 terms" })),
      scanner("b", () => (seen.push("b"), ALLOW)),
    ]);
    expect(seen).toEqual(["a"]);
    expect(outcome.block).toMatchObject({ reason: "toxicity", score: 0.9, detail: "2 terms" });
    expect(outcome.block?.scanner.name).toBe("a");
  });

  it("collects the redactions of every scanner for their text", () => {
    const outcome = run([
      scanner("a", () => ({ action: "redact", score: 1, spans: [{ start: 0, end: 4, replacement: "[X]" }] })),
      scanner("b", () => ({ action: "redact", score: 1, spans: [{ start: 5, end: 11, replacement: "[Y]" }] })),
    ]);
    expect(outcome.redactions?.get(text)).toEqual([
      { start: 0, end: 4, replacement: "[X]" },
      { start: 5, end: 11, replacement: "[Y]" },
    ]);
  });

  it("fails closed when the deadline passed before a closed scanner's turn", () => {
    const outcome = run([scanner("slow", () => busy(5)), scanner("late", () => ALLOW, "closed")], 1);
    expect(outcome.block).toMatchObject({ reason: "unavailable" });
    expect(outcome.block?.scanner.name).toBe("late");
  });

  it("fails open when the late scanners are configured open", () => {
    const seen: string[] = [];
    const outcome = run([scanner("slow", () => busy(5)), scanner("late", () => (seen.push("late"), ALLOW), "open")], 1);
    expect(outcome.block).toBeUndefined();
    expect(outcome.skipped.map((item) => item.name)).toEqual(["late"]);
    expect(seen).toEqual([]);
  });

  it("keeps the verdict of a scanner that started in time, even if it ran past the deadline", () => {
    const outcome = run([scanner("slow", () => (busy(5), { action: "block", score: 1, reason: "secret" }))], 1);
    expect(outcome.block).toMatchObject({ reason: "secret" });
  });

  it("turns a throwing scanner into a block (closed) or a skip (open)", () => {
    const boom = (): Verdict => {
      throw new Error("boom");
    };
    expect(run([scanner("x", boom, "closed")]).block).toMatchObject({ reason: "unavailable" });
    const open = run([scanner("x", boom, "open"), scanner("y", () => ALLOW)]);
    expect(open.block).toBeUndefined();
    expect(open.skipped.map((item) => item.name)).toEqual(["x"]);
  });

  it("records one observation per scanner that ran, with the block", () => {
    const scanners = [scanner("a", () => ALLOW), scanner("b", () => ({ action: "block", score: 1, reason: "code" })), scanner("c", () => ALLOW)];
    const ledger = new ScanLedger(scanners);
    runPhase(scanners, () => text, 50, ledger);
    runPhase(scanners.slice(0, 1), () => text, 50, ledger);
    const recorded: Array<[string, string, boolean]> = [];
    const metrics: GuardrailMetrics = { guardrailScanned: (name, phase, seconds, blocked) => void recorded.push([name, phase, blocked]) };
    ledger.flush(metrics);
    expect(recorded).toEqual([
      ["a", "input", false],
      ["b", "input", true],
    ]);
    expect(ledger.names()).toEqual(["a", "b"]);
  });
});
