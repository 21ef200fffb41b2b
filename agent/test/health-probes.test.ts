import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { type AgentMonitorSpec, ProbeSpecSchema, type Sample } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../src/checks/scheduler.ts';
import { ProcLister } from '../src/processes/proc-lister.ts';
import { readSystemConstants } from '../src/processes/system-constants.ts';
import { Spool } from '../src/spool/spool.ts';
import { agentConfig } from './support/agent-config.ts';
import { spawnChild, type TestChild } from './support/children.ts';
import { memoryLogger } from './support/log.ts';
import { monitor } from './support/monitor.ts';
import { waitFor } from './support/poll.ts';
import { tmpDir } from './support/tmp.ts';

const NOT_AN_ANCESTOR = 999_999_999;

async function harness(spec: AgentMonitorSpec) {
  const dir = tmpDir();
  const { log } = memoryLogger();
  const samples: Sample[] = [];
  const spool = Spool.open({ dir: dir.path, log });
  const lister = new ProcLister(await readSystemConstants());
  const scheduler = new Scheduler({
    lister,
    spool,
    log,
    totalMemoryBytes: 8 * 1024 ** 3,
    selfPid: NOT_AN_ANCESTOR,
    phaseMs: 0,
    onSamples: (s) => samples.push(...s),
  });
  scheduler.setConfig(agentConfig([spec], { liveness_interval_ms: 200 }));
  const controller = new AbortController();
  const loop = scheduler.run(controller.signal);
  return {
    samples,
    /** Waits for a new sample (after the ones seen so far) that satisfies `ok`. */
    next(ok: (s: Sample) => boolean, what: string) {
      const from = samples.length;
      return waitFor(() => samples.slice(from).find(ok), { what, timeoutMs: 60_000 });
    },
    async [Symbol.asyncDispose]() {
      controller.abort();
      await loop;
      spool.close();
      await lister.close();
      dir[Symbol.dispose]();
    },
  };
}

describe('health probes against real local servers', () => {
  let child: TestChild;
  beforeAll(async () => {
    child = await spawnChild('idle');
  });
  afterAll(async () => {
    await child.kill();
  });

  it('TCP: healthy, unhealthy after N failures in a row, healthy again', async () => {
    const listen = (port = 0) =>
      new Promise<Server>((resolve) => {
        const s = createTcpServer((sock) => sock.destroy());
        s.listen(port, '127.0.0.1', () => resolve(s));
      });
    let server = await listen();
    const port = (server.address() as AddressInfo).port;
    const spec = monitor({
      command_pattern: child.tag,
      check_interval: 1,
      probe: ProbeSpecSchema.parse({ kind: 'tcp', host: '127.0.0.1', port, timeout_ms: 1000, failures: 3 }),
    });
    await using h = await harness(spec);
    const ok = await h.next((s) => s.probe?.ok === true, 'a healthy probe');
    expect(ok.status).toBe('RUNNING');
    await new Promise((r) => server.close(r));
    const bad = await h.next((s) => (s.probe?.consecutive_failures ?? 0) >= 3, 'three failures in a row');
    expect(bad.probe).toMatchObject({ ok: false, threshold: 3 });
    expect(bad.probe?.message).toContain(`127.0.0.1:${port}`);
    server = await listen(port);
    const again = await h.next((s) => s.probe?.ok === true, 'healthy again');
    expect(again.probe?.consecutive_failures).toBe(0);
    await new Promise((r) => server.close(r));
  });

  it('HTTP: expected status is healthy, another status counts as a failure, then healthy again', async () => {
    let status = 200;
    const server = createHttpServer((_req, res) => res.writeHead(status).end('x'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const spec = monitor({
      command_pattern: child.tag,
      check_interval: 1,
      probe: ProbeSpecSchema.parse({ kind: 'http', url: `http://127.0.0.1:${port}/health`, failures: 2 }),
    });
    try {
      await using h = await harness(spec);
      await h.next((s) => s.probe?.ok === true, 'a healthy probe');
      status = 503;
      const bad = await h.next((s) => (s.probe?.consecutive_failures ?? 0) >= 2, 'two failures');
      expect(bad.probe?.message).toContain('status 503, expected 200');
      status = 200;
      await h.next((s) => s.probe?.ok === true, 'healthy again');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('probes only what a monitor names: http(s) URLs and host:port, nothing else', () => {
    for (const bad of [
      { kind: 'http', url: 'file:///etc/passwd' },
      { kind: 'http', url: 'ftp://example.com/' },
      { kind: 'http', url: 'http://user:pw@example.com/' },
      { kind: 'tcp', host: 'a b', port: 80 },
      { kind: 'tcp', host: 'localhost', port: 0 },
      { kind: 'exec', argv: ['/bin/sh'] },
    ]) {
      expect(ProbeSpecSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
