import '@hono/zod-openapi';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Monitor } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { answerLogTail, sendHeartbeat } from '../dashboard/log-tail-agent.ts';
import { batchOf, createTestApp, makeSample, type TestApp } from '../support/test-app.ts';

// The admin CLI against a real collector app served over HTTP on loopback (the CLI speaks HTTP
// with undici, as it does against a remote collector).

describe('procwatch admin CLI', () => {
  let t: TestApp;
  let server: ServerType;
  let url = '';

  beforeAll(async () => {
    t = await createTestApp('pglite');
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  async function cli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      env: { PROCWATCH_URL: url, PROCWATCH_ADMIN_TOKEN: t.adminToken },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('adds a host (printing its token once), lists hosts as a table and as JSON', async () => {
    const added = await cli(
      'hosts',
      'add',
      '--name',
      'trade-sh-01',
      '--address',
      '10.0.0.11',
      '--ssh-user',
      'ops',
    );
    expect(added.code, added.err).toBe(0);
    const token = added.out.split('\n').at(-1) ?? '';
    expect((await t.agent(token, 'GET', '/agent/v1/config')).status).toBe(200);

    const table = await cli('hosts');
    expect(table.code).toBe(0);
    const [header, row] = table.out.split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+ADDRESS\s+ACTIVE\s+AGENT\s+HEARTBEAT\s+VERSION$/);
    expect(row).toMatch(/trade-sh-01\s+10\.0\.0\.11\s+yes\s+offline\s+never/);

    const json = await cli('--json', 'hosts', 'list');
    expect(JSON.parse(json.out).items).toMatchObject([
      { name: 'trade-sh-01', address: '10.0.0.11', agent_online: false },
    ]);
  });

  it('adds monitors, shows status, disables and enables', async () => {
    const added = await cli(
      'monitors',
      'add',
      '--host',
      'trade-sh-01',
      '--name',
      'quote feed',
      '--type',
      'quote',
      '--process-name',
      'quote_server',
      '--interval',
      '30',
    );
    expect(added.code, added.err).toBe(0);
    const id = Number(/monitor (\d+)/.exec(added.out)?.[1]);
    const host = (await (await t.admin('GET', '/api/v1/hosts')).json()).items[0];
    await t.agent(
      (await (await t.admin('POST', `/api/v1/hosts/${host.id}/rotate-token`)).json()).agent_token,
      'POST',
      '/agent/v1/samples',
      batchOf([makeSample(id, { pid: 4321, cpu_percent: 12.5, memory_used_mb: 300 })]),
    );

    const status = await cli('status', '--host', 'trade-sh-01');
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/quote feed\s+QUOTE\s+RUNNING\s+4321\s+12\.5\s+300/);
    const running = await cli('status', '--status', 'not_found', '--json');
    expect(JSON.parse(running.out).items).toEqual([]);

    expect((await cli('monitors', 'disable', String(id))).out).toBe(`monitor ${id} (quote feed) disabled`);
    const listed = JSON.parse((await cli('--json', 'monitors', 'list', '--host', 'trade-sh-01')).out);
    expect(listed.items).toMatchObject([{ id, active: false, check_interval: 30 }]);
    expect((await cli('monitors', 'enable', String(id))).code).toBe(0);
  });

  it('lists warnings and refuses to acknowledge one that does not exist', async () => {
    const list = await cli('warnings');
    expect(list.code, list.err).toBe(0);
    const ack = await cli('warnings', 'ack', '999999', '--note', 'looking');
    expect(ack.code).toBe(1);
    expect(ack.err).toMatch(/HTTP 404/);
  });

  it('reports the API’s field errors and its own usage errors', async () => {
    const invalid = await cli(
      'monitors',
      'add',
      '--host',
      'trade-sh-01',
      '--name',
      'x',
      '--pattern',
      '([bad',
    );
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/command_pattern: is not a valid regular expression/);
    const duplicate = await cli('hosts', 'add', '--name', 'trade-sh-01', '--address', '10.0.0.12');
    expect(duplicate.code).toBe(1);
    expect(duplicate.err).toMatch(/HTTP 409/);
    expect((await cli('hosts', 'frobnicate')).code).toBe(2);
    expect((await cli('status', '--note', 'x')).err).toMatch(/does not take --note/);
    expect((await cli('hosts', 'disable', 'no-such-host')).err).toMatch(/no host named "no-such-host"/);
  });

  it('fails cleanly with a wrong token or no collector', async () => {
    const wrong = await runCli(['hosts'], {
      out: () => {},
      err: (s) => expect(s).toMatch(/HTTP 401/),
      env: { PROCWATCH_URL: url, PROCWATCH_ADMIN_TOKEN: 'wrong-token-wrong-token' },
    });
    expect(wrong).toBe(1);
    const errors: string[] = [];
    const down = await runCli(['hosts'], {
      out: () => {},
      err: (s) => errors.push(s),
      env: { PROCWATCH_URL: 'http://127.0.0.1:1', PROCWATCH_ADMIN_TOKEN: t.adminToken },
    });
    expect(down).toBe(1);
    expect(errors.join('')).toMatch(/unreachable/);
  });
  it('adds a monitor with restart action, log file, probe and dependencies, and lists its dependencies', async () => {
    await t.createHost({ name: 'cli-deps' });
    const feed = JSON.parse(
      (
        await cli(
          '--json',
          'monitors',
          'add',
          '--host',
          'cli-deps',
          '--name',
          'md feed',
          '--process-name',
          'md',
        )
      ).out,
    ) as Monitor;
    const add = (...flags: string[]) =>
      cli('monitors', 'add', '--host', 'cli-deps', '--name', 'trader', '--process-name', 'trader', ...flags);
    const added = await add(
      '--restart-action',
      'restart-trader',
      '--log-file',
      '/var/log/trader/trader.log',
      '--probe',
      'http://127.0.0.1:8080/health',
      '--probe-status',
      '204',
      '--probe-failures',
      '2',
      '--depends-on',
      String(feed.id),
    );
    expect(added.code, added.err).toBe(0);
    const id = Number(/monitor (\d+)/.exec(added.out)?.[1]);
    expect(await (await t.admin('GET', `/api/v1/monitors/${id}`)).json()).toMatchObject({
      restart_action: 'restart-trader',
      log_file: '/var/log/trader/trader.log',
      probe: { kind: 'http', url: 'http://127.0.0.1:8080/health', expected_status: 204, failures: 2 },
      depends_on: [feed.id],
    });
    const table = await cli('monitors', 'list', '--host', 'cli-deps');
    const [header, ...rows] = table.out.split('\n');
    expect(header).toMatch(/\sMATCH\s+DEPENDS ON$/);
    expect(rows.find((r) => r.includes('trader'))).toMatch(new RegExp(`\\s${feed.id}$`));
    expect(rows.find((r) => r.includes('md feed'))).toMatch(/\s-$/);

    // Bad values are usage errors (exit 2) before any request; an unknown monitor is the API's 400.
    const usage = async (flags: string[], message: RegExp) => {
      const r = await add(...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    };
    await usage(['--depends-on', '3,feed'], /--depends-on must be monitor ids/);
    await usage(['--depends-on', `${feed.id},${feed.id}`], /depends_on: must not name a monitor twice/);
    await usage(['--probe', '10.0.0.1'], /--probe must be host:port/);
    await usage(['--probe', '10.0.0.1:9000', '--probe-status', '200'], /--probe-status is for an HTTP probe/);
    await usage(['--probe-timeout', '500'], /--probe-timeout needs --probe/);
    await usage(
      ['--probe', 'http://127.0.0.1/', '--probe-failures', 'x'],
      /--probe-failures must be a number/,
    );
    await usage(['--restart-action', 'rm -rf /'], /restart_action: must be 1-64 letters/);
    await usage(['--log-file', 'trader.log'], /log_file: must be an absolute path/);
    const unknown = await add('--depends-on', '999999');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/HTTP 400: .*no monitor has id 999999/);
  });

  it('tails a monitor log: the lines fit for a terminal, the API’s refusal with exit 1', async () => {
    const host = await t.createHost({ name: 'cli-logs' });
    const none = await t.createMonitor(host.id, { name: 'no log' });
    const refused = await cli('monitors', 'tail', String(none.id));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/HTTP 409: .*has no log_file/);
    const bad = await cli('monitors', 'tail', String(none.id), '--lines', '1001');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--lines: must be at most 1000/);

    const monitor = await t.createMonitor(host.id, { name: 'with log', log_file: '/var/log/md/md.log' });
    await sendHeartbeat(t, host.agent_token);
    const tail = cli('monitors', 'tail', String(monitor.id), '--lines', '20');
    const command = await answerLogTail(t, host.agent_token, {
      text: 'line 1\r\n\u001b]0;owned\u0007line 2\ttab\n',
      truncated: false,
    });
    expect(command).toMatchObject({ processMonitorId: monitor.id, max_lines: 20 });
    const printed = await tail;
    expect(printed.code, printed.err).toBe(0);
    expect(printed.out).toBe('line 1\n?]0;owned?line 2\ttab');
  });
});
