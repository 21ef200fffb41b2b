import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { DEFAULT_COMPILED_CALENDAR } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { CpuHistory } from '../../src/ssh/cpu-usage.ts';
import { hostKeyFingerprint } from '../../src/ssh/host-key.ts';
import { readHostSnapshot } from '../../src/ssh/remote-snapshot.ts';
import { checkHostOverSsh, type SshCheckerDeps } from '../../src/ssh/ssh-checker.ts';
import { SshPool } from '../../src/ssh/ssh-pool.ts';
import type { SshMonitor } from '../../src/ssh/ssh-samples.ts';
import { type SshHost, sshTargetOf } from '../../src/ssh/ssh-target.ts';
import { type SshdFixture, sshdUnavailableReason, startSshd } from '../support/sshd.ts';
import { openTestDatabase } from '../support/test-database.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping SSH check tests: ${unavailable}`);

const id = randomUUID();
const tag = `procwatch-ssh-${id}`;
const marker = `/tmp/procwatch-injected-${id}`;
const markerName = `procwatch-injected-${id}`;
// Every way a shell could be talked into running something, inside data that reaches our checks.
const hostile = `${tag} $(touch ${marker}) ; touch ${marker} \`touch ${marker}\` 'q' "dq"`;

let sshd: SshdFixture;
let database: DatabaseHandle;
let pool: SshPool;
let deps: SshCheckerDeps;
let child: ChildProcess;
let nextMonitorId = 1;

function monitor(fields: Partial<SshMonitor>): SshMonitor {
  return {
    id: nextMonitorId++,
    hostServerId: 1,
    process_name: null,
    command_pattern: null,
    pid_file: null,
    check_interval: 5,
    monitor_start_time: null,
    monitor_end_time: null,
    ...fields,
  };
}

function host(fields: Partial<SshHost> = {}): SshHost {
  return {
    id: 1,
    name: 'loopback',
    address: sshd.host,
    ssh_port: sshd.port,
    ssh_user: sshd.user,
    ssh_host_key: sshd.hostKey.fingerprint,
    ssh_host_key_policy: 'PINNED',
    ...fields,
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(unavailable)('SSH check against a real sshd', () => {
  beforeAll(async () => {
    [sshd, database] = await Promise.all([startSshd(), openTestDatabase('pglite')]);
    pool = new SshPool({
      auth: { privateKey: readFileSync(sshd.clientKey.privateKeyFile) },
      concurrency: 4,
      connectTimeoutMs: 30_000,
      keepaliveIntervalMs: 15_000,
      idleTimeoutMs: 60_000,
      maxChannelsPerConnection: 8,
    });
    deps = {
      db: database.db,
      pool,
      defaultUser: sshd.user,
      calendar: DEFAULT_COMPILED_CALENDAR,
      commandTimeoutMs: 30_000,
      log: createLogger('silent'),
      cpuHistory: new CpuHistory(),
    };
    child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e3)', hostile], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await pool?.close();
    await Promise.all([sshd?.close(), database?.close()]);
    rmSync(marker, { force: true });
  });

  it('reports a running and a missing process over one pooled connection', async () => {
    const running = monitor({ command_pattern: escapeRegExp(tag), process_name: 'node' });
    const missing = monitor({ command_pattern: `procwatch-absent-${id}` });
    const first = await checkHostOverSsh(deps, host(), [running, missing]);
    expect(first.error).toBeNull();
    const [r, m] = first.samples;
    expect(r).toMatchObject({
      status: 'RUNNING',
      pid: child.pid,
      source: 'SSH',
      seq: null,
      process_count: 1,
    });
    expect(r!.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(r!.memory_used_mb).toBeGreaterThan(1);
    expect(r!.memory_percent).toBeGreaterThan(0);
    expect(r!.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(r!.start_time).not.toBeNull();
    expect(r!.matches?.[0]?.command.endsWith(hostile)).toBe(true);
    expect(m).toMatchObject({ status: 'NOT_FOUND', pid: null, process_count: 0 });

    const logins = sshd.acceptedLogins();
    const commands = sshd.commandSessions();
    const second = await checkHostOverSsh(deps, host(), [running]);
    expect(second.samples[0]).toMatchObject({ status: 'RUNNING', pid: child.pid, start_time: r!.start_time });
    await sshd.waitUntil(() => sshd.commandSessions() === commands + 1);
    expect(sshd.acceptedLogins()).toBe(logins);
  });

  it('measures CPU over an interval: within the command first, then since the previous check', async () => {
    const busy = spawn(process.execPath, ['-e', 'for(;;){}', `${tag}-busy`], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => busy.once('spawn', resolve));
      const monitors = [
        monitor({ command_pattern: `${escapeRegExp(tag)}-busy` }),
        monitor({ command_pattern: `${escapeRegExp(tag)} ` }),
      ];
      const fresh = { ...deps, cpuHistory: new CpuHistory() };
      const commands = sshd.commandSessions();
      for (const round of [1, 2]) {
        const [hot, idle] = (await checkHostOverSsh(fresh, host({ id: 50 }), monitors)).samples;
        expect(hot!.pid, `round ${round}`).toBe(busy.pid);
        expect(idle!.pid).toBe(child.pid);
        // A loaded 2-core machine gives the busy loop an unknown share; an idle timer gets ~0.
        expect(hot!.cpu_percent).toBeGreaterThan(idle!.cpu_percent!);
        expect(idle!.cpu_percent).toBeLessThan(5);
      }
      // Two checks, two commands: the second measured since the first (no pause of its own).
      await sshd.waitUntil(() => sshd.commandSessions() >= commands + 2);
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('reads PID files over SFTP: a live PID is RUNNING, a dead one STOPPED', async () => {
    const live = `/tmp/procwatch-${id} $(touch ${markerName}) 'q' "dq".pid`;
    const stale = `/tmp/procwatch-${id}-stale.pid`;
    writeFileSync(live, `${child.pid}\n`);
    writeFileSync(stale, '4194303\n');
    try {
      const result = await checkHostOverSsh(deps, host(), [
        monitor({ pid_file: live }),
        monitor({ pid_file: stale }),
        monitor({ pid_file: `/tmp/procwatch-${id}-missing.pid` }),
      ]);
      expect(result.samples.map((s) => s.status)).toEqual(['RUNNING', 'STOPPED', 'NOT_FOUND']);
      expect(result.samples[0]!.pid).toBe(child.pid);
    } finally {
      rmSync(live, { force: true });
      rmSync(stale, { force: true });
    }
  });

  it('treats hostile monitor fields as data: nothing runs, patterns match literally', async () => {
    const commandsBefore = sshd.commandSessions();
    const result = await checkHostOverSsh(deps, host(), [
      monitor({ command_pattern: escapeRegExp(hostile) }),
      monitor({ command_pattern: `; touch ${marker}` }),
      monitor({ command_pattern: `$(touch ${marker})` }),
      monitor({ command_pattern: `\`touch ${marker}\`` }),
      monitor({ command_pattern: `x'; touch ${marker}; echo '\ntouch ${marker}\n"` }),
      monitor({ process_name: `$(touch ${markerName})` }),
      monitor({ process_name: `;touch ${markerName}` }),
      monitor({ process_name: `\`touch ${markerName}\`` }),
      monitor({ pid_file: `/tmp/$(touch ${markerName}).pid` }),
      monitor({ pid_file: `/tmp/x; touch ${marker}` }),
      monitor({ pid_file: `/tmp/\`touch ${markerName}\`'"` }),
    ]);
    expect(result.error).toBeNull();
    expect(result.samples.map((s) => s.status)).toEqual([
      'RUNNING', // the escaped pattern finds the process whose argv holds these characters
      'RUNNING', // "; touch /tmp/…" is a regex that occurs in that argv
      'NOT_FOUND', // "$(" anchors at the end: a regex that can never match
      'RUNNING',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
    expect(result.samples[0]!.pid).toBe(child.pid);
    // One fixed command for the whole host check, whatever the monitors hold.
    await sshd.waitUntil(() => sshd.commandSessions() >= commandsBefore + 1);
    expect(sshd.commandSessions()).toBe(commandsBefore + 1);
    const remoteHome = `${sshd.dir}/home`;
    for (const path of [
      marker,
      `${homedir()}/${markerName}`,
      `${remoteHome}/${markerName}`,
      `/tmp/${markerName}`,
    ]) {
      expect(existsSync(path), path).toBe(false);
    }
  });

  it('refuses a host whose key differs from the pin before any command, with ERROR samples', async () => {
    const connections = sshd.connections();
    const result = await checkHostOverSsh(
      deps,
      host({ id: 2, ssh_host_key: `[${sshd.host}]:${sshd.port} ${sshd.clientKey.publicKey}` }),
      [monitor({ command_pattern: escapeRegExp(tag) })],
    );
    expect(result.error?.kind).toBe('host-key-mismatch');
    expect(result.samples[0]).toMatchObject({ status: 'ERROR', pid: null });
    expect(result.samples[0]!.error_message).toContain('host key mismatch');
    expect(result.samples[0]!.error_message).toContain(sshd.hostKey.fingerprint);
    // Server side: that connection ended before authentication, with no session of any kind.
    await sshd.waitUntil(() => sshd.connections() === connections + 1);
    const port = sshd.connectionPorts()[connections]!;
    await sshd.waitUntil(() =>
      sshd.connectionLog(port).some((l) => /Disconnected from .*\[preauth\]/.test(l)),
    );
    const lines = sshd.connectionLog(port);
    expect(lines.filter((l) => /Accepted|Starting session|session opened/.test(l))).toEqual([]);
  });

  it('refuses to connect without a pin unless the host is set to TOFU', async () => {
    const result = await checkHostOverSsh(deps, host({ id: 3, ssh_host_key: null }), [
      monitor({ pid_file: '/x' }),
    ]);
    expect(result.error?.kind).toBe('host-key-unknown');
    expect(result.samples[0]!.status).toBe('ERROR');
  });

  it('trusts on first use: stores the key, then holds the host to it', async () => {
    const row = await database.db
      .insertInto('HostServer')
      .values({ name: `tofu-${id}`, address: sshd.host, ssh_port: sshd.port, ssh_host_key_policy: 'TOFU' })
      .returningAll()
      .executeTakeFirstOrThrow();
    const running = monitor({ command_pattern: escapeRegExp(tag) });
    const first = await checkHostOverSsh(deps, row, [running]);
    expect(first.samples[0]!.status).toBe('RUNNING');
    const stored = await database.db
      .selectFrom('HostServer')
      .select('ssh_host_key')
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(stored.ssh_host_key).toBe(sshd.hostKey.publicKey);
    expect(hostKeyFingerprint(Buffer.from(stored.ssh_host_key!.split(' ')[1]!, 'base64'))).toBe(
      sshd.hostKey.fingerprint,
    );
    // Someone else's key stored for this host: now a mismatch, even under TOFU.
    const changed = { ...row, ssh_host_key: sshd.clientKey.publicKey };
    const second = await checkHostOverSsh(deps, changed, [running]);
    expect(second.error?.kind).toBe('host-key-mismatch');
  });

  it('reconnects when the pooled connection dies', async () => {
    const target = sshTargetOf(host(), sshd.user, database.db);
    const snapshot = await pool.use(target, (c) =>
      readHostSnapshot(c, [], { timeoutMs: 30_000, variant: { sampleCpu: false, exe: false } }),
    );
    // Our own session's sshd processes (excluded from matching) serve this connection: end them.
    const session = snapshot.processes.entries.filter(
      (e) => snapshot.processes.excludePids.has(e.pid) && e.cmdline.startsWith('sshd'),
    );
    expect(session.length).toBeGreaterThan(0);
    const logins = sshd.acceptedLogins();
    for (const e of session) process.kill(e.pid, 'SIGTERM');
    // The next check may race the close: it either fails once (and drops the connection) or reconnects.
    let result = await checkHostOverSsh(deps, host(), [monitor({ command_pattern: escapeRegExp(tag) })]);
    if (result.error) {
      result = await checkHostOverSsh(deps, host(), [monitor({ command_pattern: escapeRegExp(tag) })]);
    }
    expect(result.samples[0]!.status).toBe('RUNNING');
    expect(sshd.acceptedLogins()).toBe(logins + 1);
  });
});
