import type { ProbeSpec } from '@procwatch/shared';
import { probeInputOf } from './probe-input.ts';

// Pure formatting for the dashboard: numbers, sizes, durations and times as operators read them.

/** `12.3 %`, or an en dash for no value. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value < 10 ? value.toFixed(1) : Math.round(value).toString()} %`;
}

/** Megabytes as `812 MB` / `1.4 GB`. */
export function formatMegabytes(mb: number | null | undefined): string {
  if (mb === null || mb === undefined || !Number.isFinite(mb)) return '–';
  if (mb >= 1024) return `${(mb / 1024).toFixed(1)} GB`;
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb).toString()} MB`;
}

/** A duration in seconds as `3d 4h`, `4h 12m`, `12m 5s` or `5s`: two units are enough to read. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** How long ago an instant was, relative to `now`: `12s ago`, `3m ago`; `never` for null. */
export function formatAgo(instant: string | Date | null | undefined, now: Date): string {
  if (instant === null || instant === undefined) return 'never';
  const ms = now.getTime() - new Date(instant).getTime();
  if (!Number.isFinite(ms)) return '–';
  if (ms < 0) return 'just now';
  return `${formatDuration(ms / 1000)} ago`;
}

const pad = (n: number) => n.toString().padStart(2, '0');

/**
 * An instant as `YYYY-MM-DD HH:MM:SS` in the given IANA time zone (the trading calendar's, so every
 * operator sees exchange time whatever their laptop's zone).
 */
export function formatInstant(instant: string | Date | null | undefined, timeZone: string): string {
  if (instant === null || instant === undefined) return '–';
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return '–';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return `${get('year')}-${pad(get('month'))}-${pad(get('day'))} ${pad(get('hour'))}:${pad(get('minute'))}:${pad(get('second'))}`;
}

/** `20260316` → `2026-03-16`. */
export function formatTradeDay(day: string | null | undefined): string {
  if (!day || !/^\d{8}$/.test(day)) return day ?? '–';
  return `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
}

/** A health probe in one line: `TCP connect to 10.0.0.5:9000 · timeout 2000 ms · unhealthy after 3 failures`. */
export function describeProbe(probe: ProbeSpec | null | undefined): string {
  if (!probe) return 'none';
  const what =
    probe.kind === 'tcp'
      ? `TCP connect to ${probeInputOf(probe).target}`
      : `HTTP GET ${probe.url} expecting ${probe.expected_status}`;
  const failures = probe.failures === 1 ? '1 failure' : `${probe.failures} failures in a row`;
  return `${what} · timeout ${probe.timeout_ms} ms · unhealthy after ${failures}`;
}
