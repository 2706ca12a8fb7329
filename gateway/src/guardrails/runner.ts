/**
 * Runs the scanners of one phase over a text, in order, under the phase's deadline:
 * - a block stops the phase (later scanners do not run);
 * - redactions from every scanner are collected and applied together afterwards;
 * - a scanner that throws, and every scanner still waiting when the deadline has passed, fails
 *   open (skipped) or closed (the phase blocks with reason "unavailable"), as configured.
 * Scanners are synchronous, so the deadline is checked between scanners: a scanner that started
 * in time finishes, and its verdict counts. The deadline bounds the scanning work: when the
 * wall clock says it passed, the process CPU time since the phase began must confirm it, so a
 * process that was merely descheduled (an overloaded host) does not fail a request.
 * Time spent per scanner is accumulated in a ledger that is recorded once per request.
 */
import type { BlockReason, Phase, RedactSpan, Scanner, ScanText, Verdict } from "./scanner.ts";

export interface Block {
  readonly scanner: Scanner;
  readonly reason: BlockReason;
  readonly score: number;
  readonly detail: string | undefined;
  readonly params: Readonly<Record<string, number>> | undefined;
}

export interface PhaseOutcome {
  readonly block: Block | undefined;
  /** Redactions per scanner text (the texts given by `textFor`). */
  readonly redactions: ReadonlyMap<ScanText, RedactSpan[]> | undefined;
  /** Scanners that were skipped (failed or late) and fail open. */
  readonly skipped: readonly Scanner[];
}

/** Where per-scanner timings and blocks go (telemetry/metrics.ts in the gateway). */
export interface GuardrailMetrics {
  guardrailScanned(scanner: string, direction: Phase, seconds: number, blocked: boolean): void;
}

/** Milliseconds spent per scanner during one request (summed over stream chunks). */
export class ScanLedger {
  private readonly scanners: readonly Scanner[];
  private readonly ms: Float64Array;
  private readonly ran: Uint8Array;
  private blockedIndex = -1;

  constructor(scanners: readonly Scanner[]) {
    this.scanners = scanners;
    this.ms = new Float64Array(scanners.length);
    this.ran = new Uint8Array(scanners.length);
  }

  add(index: number, ms: number): void {
    this.ms[index]! += ms;
    this.ran[index] = 1;
  }

  blocked(index: number): void {
    this.blockedIndex = index;
  }

  /** Names of the scanners that ran at least once. */
  names(): string[] {
    return this.scanners.filter((_, index) => this.ran[index] === 1).map((scanner) => scanner.name);
  }

  /** Records one observation per scanner that ran. */
  flush(metrics: GuardrailMetrics | undefined): void {
    if (metrics === undefined) return;
    this.scanners.forEach((scanner, index) => {
      if (this.ran[index] === 1) metrics.guardrailScanned(scanner.name, scanner.phase, this.ms[index]! / 1000, index === this.blockedIndex);
    });
  }
}

const NO_SKIPS: readonly Scanner[] = [];

/**
 * The process CPU clock (ms), read at most once per CPU_SAMPLE_MS of wall time: a phase's
 * baseline may be that stale, which can only make a 50 ms deadline look a few ms closer. Reading
 * it costs a system call, too much to pay on every request.
 */
const CPU_SAMPLE_MS = 5;
let cpuSampledAt = Number.NEGATIVE_INFINITY;
let cpuSample = 0;

function cpuClockMs(now: number, fresh: boolean): number {
  if (fresh || now - cpuSampledAt > CPU_SAMPLE_MS) {
    const used = process.cpuUsage();
    cpuSample = (used.user + used.system) / 1000;
    cpuSampledAt = now;
  }
  return cpuSample;
}

function unavailable(scanner: Scanner): Block {
  return { scanner, reason: "unavailable", score: 1, detail: "deadline or failure", params: undefined };
}

/**
 * Runs `scanners` (all of one phase); `textFor` gives each scanner its text (input scanners may
 * read different messages). `deadlineMs` counts from the call.
 */
export function runPhase(scanners: readonly Scanner[], textFor: (scanner: Scanner) => ScanText, deadlineMs: number, ledger: ScanLedger): PhaseOutcome {
  const started = performance.now();
  const cpuStarted = cpuClockMs(started, false);
  const deadline = started + deadlineMs;
  let redactions: Map<ScanText, RedactSpan[]> | undefined;
  let skipped: Scanner[] | undefined;
  let before = started;
  for (let index = 0; index < scanners.length; index++) {
    const scanner = scanners[index]!;
    if (before > deadline && cpuClockMs(before, true) - cpuStarted > deadlineMs) {
      // Late: this scanner and the rest do not run.
      for (let rest = index; rest < scanners.length; rest++) {
        const late = scanners[rest]!;
        if (late.failMode === "closed") {
          // Counted as a block of this scanner (with a zero-length scan: it never ran).
          ledger.add(rest, 0);
          ledger.blocked(rest);
          return { block: unavailable(late), redactions, skipped: skipped ?? NO_SKIPS };
        }
        (skipped ??= []).push(late);
      }
      break;
    }
    const text = textFor(scanner);
    let verdict: Verdict | undefined;
    try {
      verdict = scanner.scan(text);
    } catch {
      verdict = undefined;
    }
    const after = performance.now();
    ledger.add(index, after - before);
    before = after;
    if (verdict === undefined) {
      if (scanner.failMode === "closed") {
        ledger.blocked(index);
        return { block: unavailable(scanner), redactions, skipped: skipped ?? NO_SKIPS };
      }
      (skipped ??= []).push(scanner);
      continue;
    }
    if (verdict.action === "block") {
      ledger.blocked(index);
      return { block: { scanner, reason: verdict.reason, score: verdict.score, detail: verdict.detail, params: verdict.params }, redactions, skipped: skipped ?? NO_SKIPS };
    }
    if (verdict.action === "redact" && verdict.spans.length > 0) {
      redactions ??= new Map();
      const list = redactions.get(text) ?? [];
      list.push(...verdict.spans);
      redactions.set(text, list);
    }
  }
  return { block: undefined, redactions, skipped: skipped ?? NO_SKIPS };
}
