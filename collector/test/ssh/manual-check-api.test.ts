import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkServicesOf } from '../../src/checks/check-services.ts';
import { sshFallbackExtension } from '../../src/checks/ssh-fallback-extension.ts';
import { type SshdFixture, sshdUnavailableReason, startSshd } from '../support/sshd.ts';
import { createTestApp, type TestApp } from '../support/test-app.ts';
import { testBackends } from '../support/test-database.ts';
import { eventually, httpLink, startAgentStandIn, startTarget } from './ssh-harness.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping manual-check API tests: ${unavailable}`);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(unavailable).each(testBackends())(
  'POST /api/v1/{monitors,hosts}/:id/check (%s)',
  (backend) => {
    let sshd: SshdFixture;
    let api: TestApp;
    let target: Awaited<ReturnType<typeof startTarget>>;

    beforeAll(async () => {
      [sshd, target] = await Promise.all([startSshd(), startTarget()]);
      // The collector's SSH credentials come from its environment, as in production.
      api = await createTestApp(backend, {
        env: {
          PROCWATCH_SSH_KEY_FILE: sshd.clientKey.privateKeyFile,
          PROCWATCH_SSH_USER: sshd.user,
          PROCWATCH_SSH_MIN_INTERVAL_SECONDS: '1',
          PROCWATCH_SSH_SWEEP_POLL_MS: '200',
        },
      });
    });
    afterAll(async () => {
      await api?.close();
      await target?.[Symbol.asyncDispose]();
      await sshd?.close();
    });

    async function hostWithMonitors() {
      const host = await api.createHost({
        address: sshd.host,
        ssh_port: sshd.port,
        ssh_host_key: sshd.knownHostsLine,
        heartbeat_timeout_seconds: 30,
      });
      const running = await api.createMonitor(host.id, {
        process_name: null,
        command_pattern: escapeRegExp(target.tag),
      });
      const missing = await api.createMonitor(host.id, {
        process_type: 'CUSTOM',
        process_name: null,
        command_pattern: `procwatch-absent-${host.id}`,
      });
      return { host, running, missing };
    }

    it('answers through the agent (long-poll over the agent API) with a fresh sample', async () => {
      const { host, running } = await hostWithMonitors();
      const fetch = (path: string, init: RequestInit) => Promise.resolve(api.app.request(path, init));
      await using agent = startAgentStandIn({ db: api.database.db, link: httpLink(fetch, host.agent_token) });
      await agent.ready;
      const first = await api.admin('POST', `/api/v1/monitors/${running.id}/check`);
      expect(first.status).toBe(200);
      const a = await first.json();
      const second = await api.admin('POST', `/api/v1/monitors/${running.id}/check`);
      const b = await second.json();
      expect(b).toMatchObject({ via: 'agent', hostServerId: host.id, fallback_reason: null });
      expect(b.sample).toMatchObject({
        processMonitorId: running.id,
        source: 'AGENT',
        status: 'RUNNING',
        pid: target.child.pid,
      });
      expect(Date.parse(b.sample.checked_at)).toBeGreaterThan(Date.parse(a.sample.checked_at));
      expect(agent.checksRun).toBe(2);
    });

    it('answers over SSH when the agent is stopped', async () => {
      const { host, running, missing } = await hostWithMonitors();
      const res = await api.admin('POST', `/api/v1/monitors/${running.id}/check`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ via: 'ssh', fallback_reason: 'agent_offline' });
      expect(body.sample).toMatchObject({ source: 'SSH', status: 'RUNNING', pid: target.child.pid });
      const all = await (await api.admin('POST', `/api/v1/hosts/${host.id}/check`)).json();
      expect(all.via).toBe('ssh');
      expect(
        all.samples.map((s: { processMonitorId: number; status: string }) => [s.processMonitorId, s.status]),
      ).toEqual([
        [running.id, 'RUNNING'],
        [missing.id, 'NOT_FOUND'],
      ]);
      // The status API serves what the check stored.
      const status = await (await api.admin('GET', `/api/v1/status?hostServerId=${host.id}`)).text();
      expect(status).toContain('"SSH"');
    });

    it("the collector's sweep job covers a stopped agent, and stops when the agent is back", async () => {
      const host = await api.createHost({
        address: sshd.host,
        ssh_port: sshd.port,
        ssh_host_key: sshd.hostKey.fingerprint,
        heartbeat_timeout_seconds: 5,
      });
      const running = await api.createMonitor(host.id, {
        process_name: null,
        command_pattern: escapeRegExp(target.tag),
        check_interval: 1,
      });
      const missing = await api.createMonitor(host.id, {
        process_type: 'CUSTOM',
        process_name: null,
        command_pattern: `procwatch-absent-${host.id}`,
        check_interval: 1,
      });
      const sshRows = (monitorId: number) =>
        api.database.db
          .selectFrom('ProcessStatus')
          .select(['status', 'pid', 'checked_at'])
          .where('processMonitorId', '=', monitorId)
          .where('source', '=', 'SSH')
          .orderBy('checked_at')
          .execute();
      const fetch = (path: string, init: RequestInit) => Promise.resolve(api.app.request(path, init));
      // The extension as startCollector sets it up: its job runs the sweep.
      const parts = await sshFallbackExtension.setup(api.deps);
      const sweeper = checkServicesOf(api.deps).sweeper!;
      const stop = new AbortController();
      let jobs: Promise<void>[] = [];
      const ticks = (n: number) => {
        const until = sweeper.ticks + n;
        return eventually(
          () => (sweeper.ticks >= until && sweeper.inFlight === 0 ? true : undefined),
          `${n} ticks`,
        );
      };
      try {
        let agent = startAgentStandIn({ db: api.database.db, link: httpLink(fetch, host.agent_token) });
        await agent.ready;
        // Started once the agent has been heard from (a host never heard from counts as silent).
        jobs = (parts.jobs ?? []).map((job) => job.run(stop.signal));
        await ticks(3);
        expect(await sshRows(running.id)).toEqual([]);

        await agent[Symbol.asyncDispose]();
        const stopped = await api.database.db
          .selectFrom('HostServer')
          .select('last_heartbeat_at')
          .where('id', '=', host.id)
          .executeTakeFirstOrThrow();
        const [first] = await eventually(async () => {
          const rows = await sshRows(running.id);
          return rows.length > 0 ? rows : undefined;
        }, 'an SSH sample after the heartbeat timeout');
        expect(first).toMatchObject({ status: 'RUNNING', pid: target.child.pid });
        expect(first!.checked_at.getTime()).toBeGreaterThanOrEqual(
          stopped.last_heartbeat_at!.getTime() + 5000,
        );
        const [gone] = await eventually(async () => {
          const rows = await sshRows(missing.id);
          return rows.length > 0 ? rows : undefined;
        }, 'an SSH sample of the missing process');
        expect(gone!.status).toBe('NOT_FOUND');

        agent = startAgentStandIn({ db: api.database.db, link: httpLink(fetch, host.agent_token) });
        await agent.ready;
        await ticks(2);
        const after = (await sshRows(running.id)).length;
        await ticks(6);
        expect((await sshRows(running.id)).length).toBe(after);
        await agent[Symbol.asyncDispose]();
      } finally {
        stop.abort();
        await Promise.all(jobs);
      }
    });

    it('answers problems for what cannot be checked', async () => {
      const unknown = await api.admin('POST', '/api/v1/monitors/999999/check');
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toContain('application/problem+json');
      expect((await api.admin('POST', '/api/v1/hosts/999999/check')).status).toBe(404);
      expect((await api.admin('POST', '/api/v1/monitors/abc/check')).status).toBe(400);
      const bare = await api.createHost({ address: sshd.host });
      const monitor = await api.createMonitor(bare.id, { process_name: 'x' });
      const noPath = await api.admin('POST', `/api/v1/monitors/${monitor.id}/check`);
      expect(noPath.status).toBe(409);
      expect((await noPath.json()).code).toBe('no_check_path');
      const empty = await api.createHost({ address: sshd.host });
      expect((await api.admin('POST', `/api/v1/hosts/${empty.id}/check`)).status).toBe(409);
      const noToken = await api.app.request(`/api/v1/monitors/${monitor.id}/check`, { method: 'POST' });
      expect(noToken.status).toBe(401);
      // A pin the fallback could not verify is refused when it is set, not at every check.
      const badPin = await api.admin('POST', '/api/v1/hosts', {
        name: 'bad-pin',
        address: '10.0.0.9',
        ssh_host_key: 'ssh-ed25519 nonsense',
      });
      expect(badPin.status).toBe(400);
      expect(JSON.stringify(await badPin.json())).toContain('ssh_host_key');
    });
  },
);
