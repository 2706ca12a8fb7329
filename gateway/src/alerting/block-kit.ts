/**
 * Slack Block Kit messages for a batch of alerts of one type (pure: alerts in, payload out).
 * One message per type per flush: a header, one section per distinct alert (`[N alerts]` when
 * several were squashed) naming the model group, deployment and api_base with the numbers, a
 * link to the matching Grafana dashboard, and a context line saying which gateway sent it.
 */
import type { IncomingWebhookSendArguments } from "@slack/webhook";
import type { AlertGroup, DashboardUid, SupportedAlertType } from "./alert.ts";

type Block = NonNullable<IncomingWebhookSendArguments["blocks"]>[number];

export interface SlackMessage {
  /** Notification and fallback text. */
  readonly text: string;
  readonly blocks: Block[];
}

export interface MessageContext {
  /** Grafana base URL. */
  readonly dashboardUrl: string;
  /** The gateway host that sent it. */
  readonly instance: string;
  /** Alerts of this type that did not fit (more distinct alerts than kept): only counted. */
  readonly overflow: number;
  readonly now: number;
}

const HEADINGS: Record<SupportedAlertType, string> = {
  llm_exceptions: ":rotating_light: LLM API calls failed",
  llm_too_slow: ":snail: Slow LLM responses",
  llm_requests_hanging: ":hourglass_flowing_sand: LLM requests hanging",
  cooldown_deployment: ":ice_cube: Deployment cooled down",
  outage_alerts: ":fire: Deployment outage",
  budget_alerts: ":moneybag: Budget alert",
  db_exceptions: ":floppy_disk: Database errors",
  daily_reports: ":bar_chart: Daily report",
  new_model_added: ":new: Model added",
};

const DASHBOARD_NAMES: Record<DashboardUid, string> = {
  "pharos-overview": "Overview",
  "pharos-models": "Models & deployments",
  "pharos-cache-data": "Cache & data",
  "pharos-cost": "Cost & tokens",
  "pharos-capacity": "Capacity",
};

/** Distinct alerts shown per message (Slack allows 50 blocks; keep messages readable). */
export const MAX_SECTIONS = 10;
const MAX_TEXT = 2900;

/** Slack mrkdwn escaping (&, <, >). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function dashboardLink(base: string, uid: DashboardUid, group: string | undefined): string {
  const query = group === undefined || group === "" ? "" : `?var-model_group=${encodeURIComponent(group)}`;
  return `${base}/d/${uid}${query}`;
}

function formatNumber(value: number | string): string {
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function countPrefix(count: number): string {
  return count > 1 ? `[${count} alerts] ` : "";
}

function sectionFor(group: AlertGroup): Block {
  const alert = group.last;
  const lines = [`*${countPrefix(group.count)}${escapeMrkdwn(alert.title)}*  ·  Level: *${alert.level}*`];
  const facts: string[] = [];
  if (alert.group !== undefined) facts.push(`model group \`${escapeMrkdwn(alert.group)}\``);
  if (alert.deploymentId !== undefined) facts.push(`deployment \`${escapeMrkdwn(alert.deploymentId)}\``);
  if (alert.apiBase !== undefined) facts.push(`api_base \`${escapeMrkdwn(alert.apiBase)}\``);
  if (facts.length > 0) lines.push(facts.join("  ·  "));
  const numbers = Object.entries(alert.numbers ?? {}).map(([name, value]) => `${escapeMrkdwn(name)}: *${escapeMrkdwn(formatNumber(value))}*`);
  if (group.peak !== undefined && alert.peak !== undefined) numbers.push(`${escapeMrkdwn(alert.peak.name)}: *${formatNumber(group.peak)} ${escapeMrkdwn(alert.peak.unit)}*`);
  if (numbers.length > 0) lines.push(numbers.join("  ·  "));
  const detail = group.first.detail;
  if (detail !== undefined && detail !== "") {
    for (const line of clip(detail, 1200).split("\n").slice(0, 12)) lines.push(`> ${escapeMrkdwn(line.replace(/\s+/g, " "))}`);
  }
  return { type: "section", text: { type: "mrkdwn", text: clip(lines.join("\n"), MAX_TEXT) } };
}

export function buildMessage(type: SupportedAlertType, groups: readonly AlertGroup[], context: MessageContext): SlackMessage {
  const total = groups.reduce((sum, group) => sum + group.count, 0) + context.overflow;
  const shown = [...groups].sort((a, b) => b.count - a.count).slice(0, MAX_SECTIONS);
  const hiddenGroups = groups.length - shown.length;
  const hiddenAlerts = groups.filter((group) => !shown.includes(group)).reduce((sum, group) => sum + group.count, 0) + context.overflow;
  const heading = HEADINGS[type];
  const blocks: Block[] = [{ type: "header", text: { type: "plain_text", text: clip(`${heading.replace(/^:[a-z_]+: /, "")}${total > 1 ? ` [${total} alerts]` : ""}`, 150), emoji: true } }];
  for (const group of shown) blocks.push(sectionFor(group));
  if (hiddenAlerts > 0) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `… and ${hiddenAlerts} more alert${hiddenAlerts === 1 ? "" : "s"}${hiddenGroups > 0 ? ` of ${hiddenGroups} other kind${hiddenGroups === 1 ? "" : "s"}` : ""}` } });
  }
  const first = shown[0]?.last;
  const uid = first?.dashboard ?? "pharos-overview";
  const groupsInMessage = new Set(shown.map((group) => group.last.group).filter((group): group is string => group !== undefined));
  const link = dashboardLink(context.dashboardUrl, uid, groupsInMessage.size === 1 ? [...groupsInMessage][0] : undefined);
  blocks.push({ type: "section", text: { type: "mrkdwn", text: `:chart_with_upwards_trend: <${link}|${DASHBOARD_NAMES[uid]} dashboard>` } });
  const since = Math.min(...shown.map((group) => group.first.at));
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `\`${type}\` · gateway \`${escapeMrkdwn(context.instance)}\` · ${new Date(Number.isFinite(since) ? since : context.now).toISOString()} – ${new Date(context.now).toISOString()}` }],
  });
  const summary = shown
    .slice(0, 3)
    .map((group) => `${countPrefix(group.count)}${group.last.title}${group.last.group === undefined ? "" : ` (${group.last.group}${group.last.deploymentId === undefined ? "" : ` / ${group.last.deploymentId}`})`}`)
    .join("; ");
  return { text: clip(`${heading} ${total > 1 ? `[${total} alerts] ` : ""}— ${summary}`, MAX_TEXT), blocks };
}
