import type { NotificationEvent, WarningNotice } from './notice.ts';

const LABELS: Record<NotificationEvent, string> = {
  opened: 'ALERT',
  resolved: 'RESOLVED',
  reminder: 'REMINDER',
  test: 'TEST',
};

// WeCom rejects markdown over 4096 bytes; the others allow more. A warning's text is short, but a check's
// error message can be long: clip what we do not control.
const MAX_MESSAGE_CHARS = 1500;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One line of a notice's facts: label and value. */
export interface NoticeFact {
  readonly label: string;
  readonly value: string;
}

/** The parts every message format is built from. */
export interface NoticeText {
  /** `[ALERT] trader-001 on sh-01: crashed` */
  readonly heading: string;
  readonly label: string;
  readonly event: NotificationEvent;
  readonly message: string;
  readonly facts: readonly NoticeFact[];
}

/** The human parts of a notice. */
export function noticeText(notice: WarningNotice): NoticeText {
  const w = notice.warning;
  const label = LABELS[notice.event];
  const facts: NoticeFact[] = [{ label: 'Type', value: w.type }];
  if (w.host !== null) facts.push({ label: 'Host', value: w.host.name });
  if (w.monitor !== null) facts.push({ label: 'Monitor', value: w.monitor.name });
  facts.push({ label: 'First seen', value: w.first_seen_at });
  if (w.count > 1) facts.push({ label: 'Occurrences', value: String(w.count) });
  if (notice.event === 'resolved' && w.resolved_at !== null) {
    facts.push({
      label: 'Resolved',
      value: `${w.resolved_at}${w.resolve_reason ? ` (${w.resolve_reason})` : ''}`,
    });
  }
  if (notice.event === 'reminder')
    facts.push({ label: 'Reminder', value: `#${w.reminder_no}, not acknowledged` });
  if (w.id > 0) facts.push({ label: 'Warning', value: `#${w.id}` });
  return {
    heading: `[${label}] ${w.title}`,
    label,
    event: notice.event,
    message: clip(w.message, MAX_MESSAGE_CHARS),
    facts,
  };
}

/** Markdown as DingTalk, WeCom and Feishu render it: a heading, the message, a list of facts. */
export function noticeMarkdown(text: NoticeText): string {
  return [
    `### ${text.heading}`,
    text.message,
    '',
    ...text.facts.map((f) => `- **${f.label}**: ${f.value}`),
  ].join('\n');
}

/** Plain text: the heading, the message, the facts one per line. */
export function noticePlain(text: NoticeText): string {
  return [text.heading, text.message, ...text.facts.map((f) => `${f.label}: ${f.value}`)].join('\n');
}
