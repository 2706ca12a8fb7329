/**
 * Collects alerts and sends them in batches: `add()` is a synchronous Map update (safe on the
 * request path); every flush interval each alert type with pending alerts becomes one Slack
 * message per webhook, alerts with the same key squashed into one line (`[N alerts]`), subject
 * to the per-type throttle (a throttled type keeps accumulating). Memory is bounded: at most
 * `maxPendingPerType` distinct alerts per type are kept, the others are only counted.
 */
import type { Logger } from "pino";
import type { Alert, AlertGroup, SupportedAlertType } from "./alert.ts";
import { buildMessage } from "./block-kit.ts";
import type { SlackMessage } from "./block-kit.ts";
import type { AlertingSettings } from "./settings.ts";
import { MessageThrottle } from "./throttle.ts";

interface Pending {
  readonly groups: Map<string, AlertGroup>;
  overflow: number;
}

/** Where messages go: the Slack sender (tests may pass a recorder). */
export interface MessageSink {
  send(url: string, message: SlackMessage): void;
  pump?(): void;
}

export class AlertBatcher {
  private readonly pending = new Map<SupportedAlertType, Pending>();
  private readonly throttle: MessageThrottle<SupportedAlertType>;
  private readonly settings: AlertingSettings;
  private readonly sink: MessageSink;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(settings: AlertingSettings, sink: MessageSink, logger: Logger, clock: () => number = Date.now) {
    this.settings = settings;
    this.sink = sink;
    this.logger = logger;
    this.clock = clock;
    this.throttle = new MessageThrottle(settings.throttle.burst, settings.throttle.refillMs);
  }

  /** Accepts an alert of an enabled type; everything else is ignored. Never throws. */
  add(alert: Alert): void {
    this.addGroup({ first: alert, last: alert, count: 1, peak: alert.peak?.value });
  }

  /** Accepts `count` alerts with one key already squashed elsewhere (a worker's, on their way to the hub). */
  addGroup(incoming: Readonly<AlertGroup>): void {
    const { first, last, count, peak } = incoming;
    if (!this.settings.types.has(first.type) || !(count > 0)) return;
    const pending = this.pendingOf(first.type);
    const group = pending.groups.get(first.key);
    if (group !== undefined) {
      group.count += count;
      group.last = last;
      if (peak !== undefined) group.peak = Math.max(group.peak ?? peak, peak);
    } else if (pending.groups.size < this.settings.maxPendingPerType) {
      pending.groups.set(first.key, { first, last, count, peak });
    } else {
      pending.overflow += count;
    }
  }

  /** Counts alerts of a type that were only counted elsewhere (more distinct alerts than kept). */
  addOverflow(type: SupportedAlertType, count: number): void {
    if (!this.settings.types.has(type) || !(count > 0)) return;
    this.pendingOf(type).overflow += count;
  }

  private pendingOf(type: SupportedAlertType): Pending {
    let pending = this.pending.get(type);
    if (pending === undefined) {
      pending = { groups: new Map(), overflow: 0 };
      this.pending.set(type, pending);
    }
    return pending;
  }

  /** Alerts waiting, per type (for tests and the daily report). */
  pendingCount(type: SupportedAlertType): number {
    const pending = this.pending.get(type);
    if (pending === undefined) return 0;
    let count = pending.overflow;
    for (const group of pending.groups.values()) count += group.count;
    return count;
  }

  /** Sends what is pending, each type subject to its throttle unless `final` (shutdown: send everything). */
  flush(final = false): void {
    const now = this.clock();
    this.sink.pump?.();
    for (const [type, pending] of this.pending) {
      if (pending.groups.size === 0 && pending.overflow === 0) continue;
      const urls = this.settings.webhooks(type);
      if (urls.length === 0) {
        this.pending.delete(type);
        continue;
      }
      if (!this.throttle.take(type, now) && !final) continue;
      const message = buildMessage(type, [...pending.groups.values()], { dashboardUrl: this.settings.dashboardUrl, instance: this.settings.instance, overflow: pending.overflow, now });
      this.pending.delete(type);
      // alerting_args.log_to_console: one log line per message, never one per alert.
      if (this.settings.logToConsole) this.logger.warn({ alertType: type }, message.text);
      for (const url of urls) this.sink.send(url, message);
    }
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      try {
        this.flush();
      } catch (error) {
        this.logger.error({ err: error }, "alert batch failed");
      }
    }, this.settings.flushIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
