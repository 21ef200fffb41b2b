import type { AgentConfig, Monitor, Problem } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.ts';
import { testBackends } from '../support/test-database.ts';

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Problem;
}

describe.each(testBackends())('monitor dependencies through the admin API on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = async (id: number) =>
    (await (await t.admin('GET', `/api/v1/monitors/${id}`)).json()) as Monitor;
  const patch = (id: number, body: unknown) => t.admin('PATCH', `/api/v1/monitors/${id}`, body);
  const edgeCount = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('ProcessMonitorDependency')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('stores depends_on on create and update, across hosts, and shows it ascending', async () => {
    const quoteHost = await t.createHost();
    const traderHost = await t.createHost();
    const feed = await t.createMonitor(quoteHost.id, { name: 'md-feed' });
    const gateway = await t.createMonitor(quoteHost.id, { name: 'gateway' });
    expect(feed.depends_on).toEqual([]);

    const trader = await t.createMonitor(traderHost.id, {
      name: 'trader',
      depends_on: [gateway.id, feed.id],
    });
    expect(trader.depends_on).toEqual([feed.id, gateway.id].sort((a, b) => a - b));
    expect((await get(trader.id)).depends_on).toEqual(trader.depends_on);

    const listed = (await (
      await t.admin('GET', `/api/v1/monitors?hostServerId=${traderHost.id}`)
    ).json()) as {
      items: Monitor[];
    };
    expect(listed.items.map((m) => m.depends_on)).toEqual([trader.depends_on]);

    // A PATCH without depends_on keeps it; with it, replaces it.
    const renamed = await patch(trader.id, { remark: 'book A' });
    expect(((await renamed.json()) as Monitor).depends_on).toEqual(trader.depends_on);
    const replaced = await patch(trader.id, { depends_on: [feed.id] });
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as Monitor).depends_on).toEqual([feed.id]);
    expect((await patch(trader.id, { depends_on: [] })).status).toBe(200);
    expect((await get(trader.id)).depends_on).toEqual([]);
  });

  it('hands the agent its monitors with their dependencies', async () => {
    const host = await t.createHost();
    const feed = await t.createMonitor(host.id, { name: 'feed' });
    const trader = await t.createMonitor(host.id, { name: 'trader', depends_on: [feed.id] });
    const res = await t.agent(host.agent_token, 'GET', '/agent/v1/config');
    const config = (await res.json()) as AgentConfig;
    const byId = new Map(config.monitors.map((m) => [m.id, m]));
    expect(byId.get(trader.id)?.depends_on).toEqual([feed.id]);
    expect(byId.get(feed.id)?.depends_on).toBeUndefined();
  });

  it('rejects a cycle with a problem naming it, and changes nothing', async () => {
    const host = await t.createHost();
    const a = await t.createMonitor(host.id, { name: 'cycle-a' });
    const b = await t.createMonitor(host.id, { name: 'cycle-b', depends_on: [a.id] });
    const c = await t.createMonitor(host.id, { name: 'cycle-c', depends_on: [b.id] });
    const edgesBefore = await edgeCount();

    const twoStep = await patch(a.id, { depends_on: [b.id], remark: 'must not be saved' });
    expect(twoStep.status).toBe(409);
    const p = await problem(twoStep);
    expect(p).toMatchObject({ status: 409, code: 'dependency_cycle', errors: [{ path: 'depends_on' }] });
    expect(p.detail).toBe(
      `depends_on would make a dependency cycle: #${a.id} "cycle-a" → #${b.id} "cycle-b" → #${a.id} "cycle-a"`,
    );

    const threeStep = await problem(await patch(a.id, { depends_on: [c.id] }));
    expect(threeStep.detail).toContain(
      `#${a.id} "cycle-a" → #${c.id} "cycle-c" → #${b.id} "cycle-b" → #${a.id}`,
    );

    const self = await problem(await patch(a.id, { depends_on: [a.id] }));
    expect(self).toMatchObject({ code: 'dependency_cycle' });
    expect(self.detail).toContain(`#${a.id} "cycle-a" → #${a.id} "cycle-a"`);

    // Nothing of the refused requests was written: not the edges, not the other fields.
    expect(await edgeCount()).toBe(edgesBefore);
    const stored = await get(a.id);
    expect(stored.depends_on).toEqual([]);
    expect(stored.remark).toBeNull();
  });

  it('lets only one of two concurrent saves that together close a cycle succeed', async () => {
    const host = await t.createHost();
    for (let round = 0; round < 8; round++) {
      const a = await t.createMonitor(host.id);
      const b = await t.createMonitor(host.id);
      const answers = await Promise.all([
        patch(a.id, { depends_on: [b.id] }),
        patch(b.id, { depends_on: [a.id] }),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      const stored = [(await get(a.id)).depends_on, (await get(b.id)).depends_on];
      expect(stored.filter((d) => d.length > 0)).toHaveLength(1);
    }
  });

  it('refuses ids of no monitor and malformed lists with a 400 naming depends_on, writing nothing', async () => {
    const host = await t.createHost();
    const feed = await t.createMonitor(host.id);
    const monitorsBefore = (await (
      await t.admin('GET', `/api/v1/monitors?hostServerId=${host.id}`)
    ).json()) as {
      items: Monitor[];
    };
    const create = (depends_on: unknown) =>
      t.admin('POST', '/api/v1/monitors', {
        name: 'needs-things',
        process_type: 'QUOTE',
        hostServerId: host.id,
        process_name: 'x',
        depends_on,
      });

    const unknown = await create([feed.id, 2_000_000_000]);
    expect(unknown.status).toBe(400);
    expect(await problem(unknown)).toMatchObject({
      code: 'unknown_reference',
      detail: 'depends_on: no monitor has id 2000000000',
      errors: [{ path: 'depends_on' }],
    });
    for (const bad of [[feed.id, feed.id], [0], ['1'], 'x', Array.from({ length: 33 }, (_, i) => i + 1)]) {
      const res = await create(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await problem(res)).errors?.[0]?.path).toMatch(/^depends_on/);
    }
    const after = (await (await t.admin('GET', `/api/v1/monitors?hostServerId=${host.id}`)).json()) as {
      items: Monitor[];
    };
    expect(after.items).toHaveLength(monitorsBefore.items.length);
    expect((await patch(feed.id, { depends_on: [2_000_000_000] })).status).toBe(400);
    expect((await get(feed.id)).depends_on).toEqual([]);
  });

  it('drops the edges to a deleted monitor', async () => {
    const host = await t.createHost();
    const feed = await t.createMonitor(host.id);
    const trader = await t.createMonitor(host.id, { depends_on: [feed.id] });
    expect((await t.admin('DELETE', `/api/v1/monitors/${feed.id}`)).status).toBe(204);
    expect((await get(trader.id)).depends_on).toEqual([]);
  });
});
