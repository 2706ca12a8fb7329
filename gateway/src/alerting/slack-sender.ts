/**
 * Delivers Slack messages with @slack/webhook, off the request path and bounded:
 * - one POST in flight per webhook URL, with a timeout; messages for a busy URL wait in a short
 *   queue (oldest dropped when it is full), so a hanging or failing Slack never piles up sockets;
 * - a failed message is retried once with the next one, then dropped and counted;
 * - errors are logged at most once a minute per URL and never thrown.
 */
import type * as SlackWebhook from "@slack/webhook";
import type { IncomingWebhook } from "@slack/webhook";
import { lazyModule } from "../lazy-module.ts";

const slackWebhook = lazyModule<typeof SlackWebhook>("@slack/webhook");
import type { Logger } from "pino";
import type { SlackMessage } from "./block-kit.ts";

export interface SenderOptions {
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Messages waiting per URL while one is in flight. */
  readonly maxQueue?: number;
  readonly username?: string;
}

interface Outgoing {
  readonly message: SlackMessage;
  attempts: number;
}

interface Channel {
  readonly webhook: IncomingWebhook;
  readonly queue: Outgoing[];
  sending: Promise<void> | undefined;
  lastErrorLogAt: number;
}

export interface SenderStats {
  sent: number;
  failed: number;
  dropped: number;
}

const LOG_EVERY_MS = 60_000;

/** The URL without its secret path (webhook URLs are credentials). */
export function redactWebhook(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return "(invalid URL)";
  }
}

export class SlackSender {
  readonly stats: SenderStats = { sent: 0, failed: 0, dropped: 0 };
  private readonly channels = new Map<string, Channel>();
  private readonly options: SenderOptions;
  private readonly maxQueue: number;

  constructor(options: SenderOptions) {
    this.options = options;
    this.maxQueue = options.maxQueue ?? 20;
  }

  /** Queues a message for `url`; returns at once. */
  send(url: string, message: SlackMessage): void {
    const channel = this.channel(url);
    channel.queue.push({ message, attempts: 0 });
    while (channel.queue.length > this.maxQueue) {
      channel.queue.shift();
      this.stats.dropped += 1;
    }
    if (channel.sending === undefined) channel.sending = this.drain(url, channel);
  }

  /** Tries the messages left queued after a failure (the batcher calls it at each flush). */
  pump(): void {
    for (const [url, channel] of this.channels) {
      if (channel.sending === undefined && channel.queue.length > 0) channel.sending = this.drain(url, channel);
    }
  }

  /** Resolves when every queued message was tried (or `timeoutMs` passed). */
  async idle(timeoutMs: number): Promise<void> {
    const pending = [...this.channels.values()].map((channel) => channel.sending).filter((sending): sending is Promise<void> => sending !== undefined);
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private channel(url: string): Channel {
    let channel = this.channels.get(url);
    if (channel === undefined) {
      channel = {
        webhook: new (slackWebhook().IncomingWebhook)(url, { timeout: this.options.timeoutMs, ...(this.options.username === undefined ? {} : { username: this.options.username }) }),
        queue: [],
        sending: undefined,
        lastErrorLogAt: -Infinity,
      };
      this.channels.set(url, channel);
    }
    return channel;
  }

  private async drain(url: string, channel: Channel): Promise<void> {
    try {
      for (let next = channel.queue.shift(); next !== undefined; next = channel.queue.shift()) {
        next.attempts += 1;
        try {
          await channel.webhook.send({ text: next.message.text, blocks: next.message.blocks });
          this.stats.sent += 1;
        } catch (error) {
          this.stats.failed += 1;
          const now = Date.now();
          if (now - channel.lastErrorLogAt >= LOG_EVERY_MS) {
            channel.lastErrorLogAt = now;
            this.options.logger.warn({ err: error, webhook: redactWebhook(url) }, "Slack alert not delivered (requests are not affected; retrying once)");
          }
          if (next.attempts < 2 && channel.queue.length < this.maxQueue) channel.queue.push(next);
          else this.stats.dropped += 1;
          // Slack is failing: do not hammer it with the rest of the queue right now.
          if (channel.queue.length > 0) break;
        }
      }
    } finally {
      channel.sending = undefined;
    }
  }
}
