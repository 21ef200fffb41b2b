import '@hono/zod-openapi';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
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
});
