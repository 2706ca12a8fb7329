/**
 * budget_alerts, as LiteLLM defines them: a key crossed its budget, or has 15 % or 5 % of it
 * left — each once per key and level per `budget_alert_ttl` (24 h). Crossings come from
 * requests refused with budget_exceeded; the 15 %/5 % levels from `reading()`, which the spend
 * path calls with a key's spend and max budget. Keys appear by alias (or a hash prefix), never
 * by their secret.
 *
 * Split for the cluster: `BudgetAlerts.noticeOf()` / `crossing()` (pure) say which level a key
 * reached — a producer (each worker) computes them; `notice()` is the once-per-24-h dedup that
 * the alert hub holds, one for every worker of the gateway.
 */
import type { Alert } from "./alert.ts";

export interface BudgetReading {
  /** sha256 of the key (hex). */
  readonly keyHash: string;
  readonly keyAlias: string | undefined;
  /** USD spent in the current budget period. */
  readonly spend: number;
  readonly maxBudget: number;
}

export type BudgetLevel = "crossed" | "5% left" | "15% left";

/** A key reached a budget level: plain data, what crosses from a worker to the alert hub. */
export interface BudgetNotice {
  readonly keyHash: string;
  readonly keyAlias?: string | undefined;
  readonly level: BudgetLevel;
  readonly detail?: string | undefined;
  readonly numbers?: Readonly<Record<string, number>> | undefined;
}

export class BudgetAlerts {
  private readonly sentAt = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** The level a reading is at, if any (pure). */
  static levelOf(spend: number, maxBudget: number): BudgetLevel | undefined {
    if (!(maxBudget > 0)) return undefined;
    if (spend >= maxBudget) return "crossed";
    const left = (maxBudget - spend) / maxBudget;
    if (left <= 0.05) return "5% left";
    if (left <= 0.15) return "15% left";
    return undefined;
  }

  /** The notice a spend reading amounts to, if it reached a level (pure). */
  static noticeOf(reading: BudgetReading): BudgetNotice | undefined {
    const level = BudgetAlerts.levelOf(reading.spend, reading.maxBudget);
    if (level === undefined) return undefined;
    return {
      keyHash: reading.keyHash,
      keyAlias: reading.keyAlias,
      level,
      detail: `spend ${usd(reading.spend)} of ${usd(reading.maxBudget)} USD`,
      numbers: { "spend (USD)": round(reading.spend), "max budget (USD)": round(reading.maxBudget) },
    };
  }

  /** The notice for a request refused with budget_exceeded (pure). */
  static crossing(keyHash: string, keyAlias: string | undefined, message: string | undefined): BudgetNotice {
    return { keyHash, keyAlias, level: "crossed", detail: message };
  }

  reading(reading: BudgetReading, now: number): Alert | undefined {
    const notice = BudgetAlerts.noticeOf(reading);
    return notice === undefined ? undefined : this.notice(notice, now);
  }

  /** A request refused with budget_exceeded. */
  crossed(keyHash: string, keyAlias: string | undefined, message: string | undefined, now: number): Alert | undefined {
    return this.notice(BudgetAlerts.crossing(keyHash, keyAlias, message), now);
  }

  /** The alert for a notice, unless this key and level was alerted within budget_alert_ttl. */
  notice(notice: BudgetNotice, now: number): Alert | undefined {
    const { keyHash, keyAlias, level, detail, numbers } = notice;
    const id = `${keyHash}\0${level}`;
    const last = this.sentAt.get(id);
    if (last !== undefined && now - last < this.ttlMs) return undefined;
    this.sentAt.set(id, now);
    if (this.sentAt.size > 10_000) this.forgetOlderThan(now - this.ttlMs);
    const name = keyAlias ?? `key ${keyHash.slice(0, 8)}…`;
    return {
      type: "budget_alerts",
      level: level === "15% left" ? "Medium" : "High",
      key: id,
      title: level === "crossed" ? `Budget crossed: ${name}` : `Budget almost spent (${level}): ${name}`,
      detail,
      numbers,
      dashboard: "pharos-cost",
      at: now,
    };
  }

  private forgetOlderThan(cutoff: number): void {
    for (const [id, at] of this.sentAt) if (at < cutoff) this.sentAt.delete(id);
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function usd(value: number): string {
  return value.toFixed(value < 1 ? 4 : 2);
}
