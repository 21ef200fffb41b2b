import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorHooks } from '../../src/ingest/hooks.ts';
import { defineJob } from '../../src/jobs/job.ts';
import { createJobScheduler } from '../../src/jobs/job-scheduler.ts';
import { collectorMetricsFor, metricsHooks } from '../../src/metrics/collector-metrics-for.ts';
import { batchOf, createTestApp, makeSample, type TestApp } from '../support/test-app.ts';
import { testBackends } from '../support/test-database.ts';

const TOKEN = 'metrics-token-0123456789';

function family(families: PromFamily[], name: string): PromFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric family ${name}`);
  return found;
}

describe.each(testBackends())('/metrics on %s', (backend) => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  let hostName = '';

  beforeAll(async () => {
    // The hooks object is live: the metrics hook joins it once the app (and so its registry) exists.
    const hooks: CollectorHooks = {};
    t = await createTestApp(backend, { env: { PROCWATCH_METRICS_TOKEN: TOKEN }, hooks });
    Object.assign(hooks, metricsHooks(collectorMetricsFor(t.deps)));

    const host = await t.createHost();
    hostName = host.name;
    await t.database.db
      .insertInto('FundAccount')
      .values({ account: 'ACC1', name: null, broker: null, remark: null })
      .execute();
    for (const [name, type, account] of [
      ['trader', 'TRADER', 'ACC1'],
      ['quote', 'QUOTE', null],
      ['never-checked', 'CUSTOM', null],
      ['paused', 'COMMUNICATION', null],
    ] as const) {
      const monitor = await t.createMonitor(host.id, { name, process_type: type, fundAccountId: account });
      ids[name] = monitor.id;
    }
    await t.database.db
      .updateTable('ProcessMonitor')
      .set({ active: false })
      .where('id', '=', ids.paused!)
      .execute();

    const now = Date.now();
    const at = (agoMs: number) => new Date(now - agoMs).toISOString();
    const firstStart = at(7_200_000);
    const secondStart = at(60_000);
    const post = async (samples: ReturnType<typeof makeSample>[]) => {
      const res = await t.agent(host.agent_token, 'POST', '/agent/v1/samples', batchOf(samples));
      expect(res.status).toBe(200);
    };
    // trader runs, restarts (a later start time), and a replay of an old sample must not count.
    await post([
      makeSample(ids.trader!, { seq: 1, checked_at: at(30_000), start_time: firstStart }),
      makeSample(ids.quote!, {
        seq: 2,
        checked_at: at(30_000),
        status: 'NOT_FOUND',
        pid: null,
        cpu_percent: null,
        memory_percent: null,
        memory_used_mb: null,
        uptime_seconds: null,
        start_time: null,
        process_count: 0,
      }),
    ]);
    await post([
      makeSample(ids.trader!, {
        seq: 3,
        checked_at: at(1_000),
        start_time: secondStart,
        cpu_percent: 12.5,
        memory_percent: 1.5,
        memory_used_mb: 256,
        uptime_seconds: 59,
      }),
    ]);
    await post([makeSample(ids.trader!, { seq: 4, checked_at: at(20_000), start_time: firstStart })]);

    await t.database.db
      .insertInto('OpsWarning')
      .values({
        type: 'PROCESS_NOT_RUNNING',
        processMonitorId: ids.quote!,
        dedup_key: `monitor:${ids.quote}:PROCESS_NOT_RUNNING`,
        title: 'quote is not running',
        message: 'quote is not running',
        details: null,
        first_seen_at: new Date(now),
        last_seen_at: new Date(now),
      })
      .execute();
    // The trader's crash is held: the quote feed it depends on is down.
    await t.database.db
      .insertInto('OpsWarning')
      .values({
        type: 'PROCESS_CRASHED',
        processMonitorId: ids.trader!,
        dedup_key: `monitor:${ids.trader}:PROCESS_CRASHED`,
        title: 'trader crashed',
        message: 'trader crashed',
        details: null,
        first_seen_at: new Date(now),
        last_seen_at: new Date(now),
        suppressed_by: ids.quote!,
      })
      .execute();
  });
  afterAll(() => t?.close());

  const scrape = async () => {
    const res = await t.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusTextFormat(await res.text());
  };

  it('exposes per-monitor gauges read from the current status, labelled by monitor, never by pid', async () => {
    const families = await scrape();
    const up = family(families, 'procwatch_process_up');
    expect(up.type).toBe('GAUGE');
    const byMonitor = new Map(up.metrics.map((m) => [m.labels?.monitor, m]));
    expect(byMonitor.get('trader')).toEqual({
      labels: {
        host: hostName,
        monitor: 'trader',
        type: 'TRADER',
        account: 'ACC1',
        monitor_id: String(ids.trader),
      },
      value: '1',
    });
    expect(byMonitor.get('quote')?.value).toBe('0');
    expect(byMonitor.get('never-checked')?.value).toBe('0');
    expect(byMonitor.has('paused')).toBe(false);
    expect(up.metrics).toHaveLength(3);

    const values = (name: string) => family(families, name).metrics.map((m) => [m.labels?.monitor, m.value]);
    expect(values('procwatch_process_cpu_percent')).toEqual([['trader', '12.5']]);
    expect(values('procwatch_process_resident_memory_bytes')).toEqual([
      ['trader', String(256 * 1024 * 1024)],
    ]);
    expect(values('procwatch_process_memory_percent')).toEqual([['trader', '1.5']]);
    expect(values('procwatch_process_uptime_seconds')).toEqual([['trader', '59']]);
    expect(values('procwatch_process_start_time_seconds')).toHaveLength(1);
    expect(values('procwatch_process_restarts_total')).toEqual([['trader', '1']]);
    expect(family(families, 'procwatch_process_restarts_total').type).toBe('COUNTER');
    expect(values('procwatch_process_last_check_timestamp_seconds').map(([m]) => m)).toEqual([
      'trader',
      'quote',
    ]);
    for (const f of families)
      for (const m of f.metrics) expect(Object.keys(m.labels ?? {})).not.toContain('pid');
  });

  it("exposes the collector's own metrics: requests by route, ingest, jobs, warnings, database", async () => {
    const scheduler = createJobScheduler({
      db: t.database.db,
      jobs: [defineJob({ name: 'metrics-probe', periodMs: 3_600_000, run: async () => ({}) })],
      log: t.deps.logger,
      onRun: collectorMetricsFor(t.deps).observeJobRun,
    });
    await scheduler.runDue(new Date('2030-01-02T03:00:00Z'));
    await t.app.request('/no/such/path');
    await t.admin('GET', `/api/v1/monitors/${ids.trader}`);
    const families = await scrape();

    const requests = family(families, 'procwatch_http_requests_total').metrics;
    expect(requests).toContainEqual({
      labels: { method: 'POST', route: '/agent/v1/samples', status: '200' },
      value: '3',
    });
    expect(requests).toContainEqual({
      labels: { method: 'GET', route: '/api/v1/monitors/:id', status: '200' },
      value: '1',
    });
    expect(requests).toContainEqual({
      labels: { method: 'GET', route: 'unmatched', status: '404' },
      value: '1',
    });
    expect(family(families, 'procwatch_ingest_batches_total').metrics).toEqual([
      { labels: { outcome: 'ok' }, value: '3' },
    ]);
    expect(family(families, 'procwatch_ingest_rows_total').metrics).toEqual([
      { labels: { source: 'AGENT' }, value: '4' },
    ]);
    expect(family(families, 'procwatch_ingest_batch_duration_seconds').metrics[0]?.count).toBe('3');
    expect(family(families, 'procwatch_job_runs_total').metrics).toContainEqual({
      labels: { job: 'metrics-probe', outcome: 'succeeded' },
      value: '1',
    });
    expect(
      family(families, 'procwatch_job_last_success_timestamp_seconds').metrics.map((m) => m.labels),
    ).toContainEqual({ job: 'metrics-probe' });
    const warnings = family(families, 'procwatch_warnings_open').metrics;
    const open = (type: string) =>
      warnings.find((m) => m.labels?.type === type && m.labels.status === 'OPEN')?.value;
    expect(open('PROCESS_NOT_RUNNING')).toBe('1');
    expect(open('PROCESS_CRASHED')).toBe('0');
    const held = family(families, 'procwatch_warnings_held').metrics;
    const heldOf = (type: string) =>
      held.find((m) => m.labels?.type === type && m.labels.status === 'OPEN')?.value;
    expect(heldOf('PROCESS_CRASHED')).toBe('1');
    expect(heldOf('PROCESS_NOT_RUNNING')).toBe('0');
    expect(family(families, 'procwatch_host_last_heartbeat_timestamp_seconds').metrics[0]?.labels).toEqual({
      host: hostName,
    });
    expect(family(families, 'procwatch_database_up').metrics[0]?.value).toBe('1');
    expect(families.some((f) => f.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('asks for the bearer token when one is configured', async () => {
    const missing = await t.app.request('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await missing.json()).toMatchObject({ code: 'missing_token' });
    const wrong = await t.app.request('/metrics', { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'invalid_token' });
  });

  it('keeps collectors apart: each app has its own registry', async () => {
    await using other = await createTestApp(backend, { database: t.database });
    const res = await other.app.request('/metrics');
    expect(res.status).toBe(200);
    const requests = parsePrometheusTextFormat(await res.text()).find(
      (f) => f.name === 'procwatch_http_requests_total',
    );
    expect(requests?.metrics ?? []).toEqual([]);
  });
});
