/**
 * A worker's AlertOutlet when the alert hub lives in the cluster primary. Everything the producer
 * hands it is a synchronous Map update; a timer ships what accumulated as one `alert-events`
 * message every SHIP_INTERVAL_MS (nothing is sent while nothing happens):
 * - alerts squashed by type and key (`count`, first and last kept, the peak), at most
 *   `maxPendingPerType` distinct ones per type, the rest only counted (`overflow`);
 * - outage-class failures counted per deployment and error code;
 * - budget notices, each key and level forwarded at most once per BUDGET_FORWARD_MS by this
 *   worker (a key near its budget makes a reading on every request; the hub does the 24 h dedup);
 * - daily report statistics, aggregated here and shipped every REPORT_SHIP_MS.
 * `close()` ships everything, statistics included, and resolves once the message is written to
 * the channel (a recycled or drained worker hands over what it holds before it exits).
 */
import { sendToPrimary } from "../ipc.ts";
import type { ErrorCode } from "../errors.ts";
import type { Alert, AlertGroup, DeploymentRef, SupportedAlertType } from "./alert.ts";
import { refOf } from "./alert.ts";
import type { BudgetNotice } from "./budget-alerts.ts";
import { DailyReport } from "./daily-report.ts";
import { ALERT_EVENTS } from "./events.ts";
import type { AlertEvent, AlertEventsMessage, AlertOutlet } from "./events.ts";
import type { AlertingSettings } from "./settings.ts";

/** The way to the hub: false when the message could not be sent (no channel). */
export interface HubChannel {
  send(message: AlertEventsMessage, written: () => void): boolean;
}

export const SHIP_INTERVAL_MS = 200;
const REPORT_SHIP_MS = 60_000;
const BUDGET_FORWARD_MS = 60_000;
const MAX_BUDGET_NOTICES = 1000;
const MAX_FORWARD_MEMORY = 10_000;

interface FailureCount {
  readonly deployment: DeploymentRef;
  readonly code: ErrorCode;
  count: number;
}

/** This worker process's channel to its primary (undefined when it has none). */
export function processChannel(): HubChannel | undefined {
  if (process.send === undefined) return undefined;
  return {
    send: (message, written) => {
      // sendToPrimary's false means no channel; a backlog still queues the message and calls `written`.
      if (!sendToPrimary(message, () => written())) return process.connected;
      return true;
    },
  };
}

export class AlertOutbox implements AlertOutlet {
  private readonly settings: AlertingSettings;
  private readonly channel: HubChannel;
  private readonly clock: () => number;
  private alerts = new Map<string, AlertGroup>();
  private readonly distinct = new Map<SupportedAlertType, number>();
  private readonly overflow = new Map<SupportedAlertType, number>();
  private failures = new Map<string, FailureCount>();
  private budgets: BudgetNotice[] = [];
  private readonly forwardedAt = new Map<string, number>();
  private readonly report: DailyReport;
  private timers: NodeJS.Timeout[] = [];

  constructor(settings: AlertingSettings, channel: HubChannel, clock: () => number = Date.now) {
    this.settings = settings;
    this.channel = channel;
    this.clock = clock;
    this.report = new DailyReport(clock());
  }

  alert(alert: Alert): void {
    const id = `${alert.type}\0${alert.key}`;
    const group = this.alerts.get(id);
    const peak = alert.peak?.value;
    if (group !== undefined) {
      group.count += 1;
      group.last = alert;
      if (peak !== undefined) group.peak = Math.max(group.peak ?? peak, peak);
      return;
    }
    const distinct = this.distinct.get(alert.type) ?? 0;
    if (distinct >= this.settings.maxPendingPerType) {
      this.overflow.set(alert.type, (this.overflow.get(alert.type) ?? 0) + 1);
      return;
    }
    this.distinct.set(alert.type, distinct + 1);
    this.alerts.set(id, { first: alert, last: alert, count: 1, peak });
  }

  failure(deployment: DeploymentRef, code: ErrorCode): void {
    const id = `${deployment.id}\0${code}`;
    const entry = this.failures.get(id);
    if (entry !== undefined) entry.count += 1;
    else this.failures.set(id, { deployment: refOf(deployment), code, count: 1 });
  }

  budget(notice: BudgetNotice): void {
    const id = `${notice.keyHash}\0${notice.level}`;
    const now = this.clock();
    const last = this.forwardedAt.get(id);
    if (last !== undefined && now - last < Math.min(BUDGET_FORWARD_MS, this.settings.budgetAlertTtlMs)) return;
    if (this.forwardedAt.size >= MAX_FORWARD_MEMORY) this.forwardedAt.clear();
    this.forwardedAt.set(id, now);
    if (this.budgets.length < MAX_BUDGET_NOTICES) this.budgets.push(notice);
  }

  attempt(deployment: DeploymentRef, failed: boolean, durationMs: number): void {
    this.report.attempt(deployment, failed, durationMs);
  }

  /** Everything waiting to be shipped, as events; the outbox is empty afterwards. */
  take(withReport: boolean): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const group of this.alerts.values()) events.push({ t: "alerts", first: group.first, last: group.last, count: group.count, peak: group.peak });
    for (const [type, count] of this.overflow) events.push({ t: "overflow", type, count });
    for (const { deployment, code, count } of this.failures.values()) events.push({ t: "failures", deployment, code, count });
    for (const notice of this.budgets) events.push({ t: "budget", notice });
    if (withReport && !this.report.empty) events.push({ t: "report", stats: this.report.takeStats() });
    this.alerts = new Map();
    this.distinct.clear();
    this.overflow.clear();
    this.failures = new Map();
    this.budgets = [];
    return events;
  }

  /** Ships what is waiting; resolves once it is written to the channel (at once when there is nothing or no channel). */
  ship(withReport = false): Promise<void> {
    const events = this.take(withReport);
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      try {
        if (!this.channel.send({ kind: ALERT_EVENTS, events }, resolve)) resolve();
      } catch {
        // No hub to hand them to (the primary is gone): nothing to do but drop them.
        resolve();
      }
    });
  }

  start(): void {
    if (this.timers.length > 0) return;
    const ship = setInterval(() => void this.ship(false), SHIP_INTERVAL_MS);
    const report = setInterval(() => void this.ship(true), Math.min(REPORT_SHIP_MS, this.settings.reportCheckMs));
    this.timers = [ship, report];
    for (const timer of this.timers) timer.unref();
  }

  /** Stops shipping on a timer and hands everything over, waiting at most `timeoutMs` for the channel. */
  async close(timeoutMs: number): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ship(true), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
