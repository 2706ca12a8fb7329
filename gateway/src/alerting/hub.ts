/**
 * The alert hub: the one place per gateway that turns alert inputs into Slack messages. It holds
 * the batcher (dedup, `[N alerts]`, per-type throttle) and its sender, the outage tracker (failures
 * per deployment per window, counted for all workers together), the budget dedup (each key and
 * level once per budget_alert_ttl) and the daily report's statistics.
 *
 * It is an AlertOutlet (a single process hands it its inputs directly) and takes the AlertEvents
 * workers ship over the cluster channel (`accept`, in the primary). Outage windows are counted on
 * the hub's clock, when a failure reaches it (a worker ships within a few hundred milliseconds).
 * Nothing here waits for Slack: the sender is called from the batcher's timer.
 */
import type { Logger } from "pino";
import type { ErrorCode } from "../errors.ts";
import type { Alert, DeploymentRef, SupportedAlertType } from "./alert.ts";
import { AlertBatcher } from "./batcher.ts";
import type { MessageSink } from "./batcher.ts";
import { BudgetAlerts } from "./budget-alerts.ts";
import type { BudgetNotice } from "./budget-alerts.ts";
import { DailyReport } from "./daily-report.ts";
import type { AlertEvent, AlertOutlet } from "./events.ts";
import { OutageTracker } from "./outage-tracker.ts";
import type { AlertingSettings } from "./settings.ts";

export type HubSink = MessageSink & { idle?(timeoutMs: number): Promise<void> };

const MAX_TICK_MS = 5000;
/** Failures taken from one event at most (a malformed count cannot keep the primary busy). */
const MAX_FAILURES_PER_EVENT = 100_000;

export class AlertHub implements AlertOutlet {
  readonly settings: AlertingSettings;
  private readonly batcher: AlertBatcher;
  private readonly sink: HubSink;
  private readonly outages: OutageTracker;
  private readonly budgets: BudgetAlerts;
  private readonly report: DailyReport;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private timers: NodeJS.Timeout[] = [];

  constructor(settings: AlertingSettings, sink: HubSink, logger: Logger, clock: () => number = Date.now) {
    this.settings = settings;
    this.sink = sink;
    this.logger = logger;
    this.clock = clock;
    this.batcher = new AlertBatcher(settings, sink, logger, clock);
    this.outages = new OutageTracker(settings.outage);
    this.budgets = new BudgetAlerts(settings.budgetAlertTtlMs);
    this.report = new DailyReport(clock());
  }

  alert(alert: Alert): void {
    this.batcher.add(alert);
  }

  failure(deployment: DeploymentRef, code: ErrorCode): void {
    const alert = this.outages.failure(deployment, code, this.clock());
    if (alert !== undefined) this.batcher.add(alert);
  }

  budget(notice: BudgetNotice): void {
    const alert = this.budgets.notice(notice, this.clock());
    if (alert !== undefined) this.batcher.add(alert);
  }

  attempt(deployment: DeploymentRef, failed: boolean, durationMs: number): void {
    this.report.attempt(deployment, failed, durationMs);
  }

  /** Events a worker shipped. Malformed events are skipped (logged), never thrown. */
  accept(events: readonly AlertEvent[]): void {
    for (const event of events) {
      try {
        this.acceptOne(event);
      } catch (error) {
        this.logger.warn({ err: error }, "a malformed alert event from a worker was skipped");
      }
    }
  }

  private acceptOne(event: AlertEvent): void {
    switch (event.t) {
      case "alerts":
        this.batcher.addGroup({ first: event.first, last: event.last, count: event.count, peak: event.peak });
        break;
      case "overflow":
        this.batcher.addOverflow(event.type, event.count);
        break;
      case "failures": {
        const count = Math.min(Math.floor(event.count), MAX_FAILURES_PER_EVENT);
        for (let i = 0; i < count; i++) this.failure(event.deployment, event.code);
        break;
      }
      case "budget":
        this.budget(event.notice);
        break;
      case "report":
        this.report.merge(event.stats);
        break;
      default:
        break;
    }
  }

  /** Alerts waiting, per type (tests). */
  pendingCount(type: SupportedAlertType): number {
    return this.batcher.pendingCount(type);
  }

  /** The daily report's alerts for the period up to now (a new period starts). */
  takeReport(): Alert[] {
    return this.report.take(this.clock());
  }

  /** Starts the batch timer, the outage pruning and the daily report schedule. */
  start(): void {
    const settings = this.settings;
    const tick = setInterval(() => this.outages.prune(this.clock()), Math.min(settings.flushIntervalMs, MAX_TICK_MS));
    let lastReportAt = this.clock();
    const reportTimer = setInterval(
      () => {
        const now = this.clock();
        if (now - lastReportAt < settings.dailyReportMs) return;
        lastReportAt = now;
        for (const alert of this.report.take(now)) this.batcher.add(alert);
      },
      Math.min(settings.reportCheckMs, settings.dailyReportMs),
    );
    this.timers = [tick, reportTimer];
    for (const timer of this.timers) timer.unref();
    this.batcher.start();
  }

  /** Sends what is pending now (subject to the throttle). */
  flush(): void {
    this.batcher.flush();
  }

  /** Stops the timers and sends everything pending (throttle or not), waiting at most `timeoutMs` for Slack. */
  async close(timeoutMs: number): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.batcher.stop();
    this.batcher.flush(true);
    await this.sink.idle?.(timeoutMs);
  }
}
