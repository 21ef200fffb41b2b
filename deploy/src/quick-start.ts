// `npm start`: the collector (embedded PGlite in ./data) on 127.0.0.1:8080, this machine registered as
// a host with an example monitor, and its agent; Ctrl-C stops both. See the README's quick start.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '@procwatch/shared';
import { loadQuickStartConfig } from './config.ts';
import { type Daemon, startDaemon } from './quick-start/child-process.ts';
import { ensureSecretFile } from './quick-start/secret-file.ts';
import { REPO_ROOT } from './repo-root.ts';

// The agent exits within 5 s of SIGTERM, the collector within 10 s: a little more, then SIGKILL.
const AGENT_STOP_MS = 8000;
const COLLECTOR_STOP_MS = 15_000;
// A fresh PGlite data directory takes ~8 s to initialise on a quiet machine.
const COLLECTOR_READY_MS = 120_000;

const print = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const config = loadQuickStartConfig(process.env, REPO_ROOT, process.cwd());
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(config.dataDir, 'admin-token');
  const adminToken = ensureSecretFile(tokenFile);
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const baseUrl = `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${config.port}`;
  const stop = new AbortController();
  const daemons: Daemon[] = [];
  let failed = false;
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string) => {
    stopping ??= (async () => {
      print(`\nstopping (${why})…`);
      stop.abort();
      // The agent first: it pushes what it still holds to the collector before that goes away.
      const [agent, collector] = [
        daemons.find((d) => d.name === 'agent'),
        daemons.find((d) => d.name === 'collector'),
      ];
      if (agent) print(`agent exited (${await agent.stop(AGENT_STOP_MS)})`);
      if (collector) print(`collector exited (${await collector.stop(COLLECTOR_STOP_MS)})`);
    })();
    return stopping;
  };
  // Every signal is handled (never the default action): under `npm start` the quick start gets
  // Ctrl-C's SIGINT twice, once from the terminal and once relayed by tsx's parent process.
  process.on('SIGINT', () => void shutdown('Ctrl-C'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const collector = startDaemon({
      name: 'collector',
      command: process.execPath,
      args: [join(config.repoRoot, 'collector/bin/procwatch-collector.js'), 'serve'],
      cwd: config.repoRoot,
      env: {
        ...process.env,
        HOST: config.host,
        PORT: String(config.port),
        PROCWATCH_DATA_DIR: config.dataDir,
        PROCWATCH_ADMIN_TOKEN: adminToken.secret,
        LOG_LEVEL: config.logLevel,
      },
      logFile: join(config.dataDir, 'logs/collector.log'),
      print,
    });
    daemons.push(collector);
    print(`starting the collector (pid ${collector.pid}, embedded database in ${config.dataDir})…`);
    void collector.exited.then((code) => {
      if (!stop.signal.aborted) {
        failed = true;
        print(
          `the collector exited unexpectedly (${code}); see ${join(config.dataDir, 'logs/collector.log')}`,
        );
        void shutdown('collector exited');
      }
    });
    // Loaded while the collector starts: they are only needed once it answers.
    const [{ AdminApi }, { httpTransport }, { registerThisMachine, waitForHttpOk }] = await Promise.all([
      import('../../collector/src/dashboard/admin-api.ts'),
      import('../../collector/src/cli/http-transport.ts'),
      import('./quick-start/bootstrap.ts'),
    ]);
    await waitForHttpOk(`${baseUrl}/readyz`, COLLECTOR_READY_MS, stop.signal);

    const transport = httpTransport({ url: baseUrl, token: adminToken.secret, timeoutMs: 15_000 });
    let setup: Awaited<ReturnType<typeof registerThisMachine>>;
    try {
      setup = await registerThisMachine({
        api: new AdminApi(transport),
        agentDir: join(config.dataDir, 'agent'),
        collectorUrl: baseUrl,
        signal: stop.signal,
      });
    } finally {
      await transport.close();
    }

    const agent = startDaemon({
      name: 'agent',
      command: process.execPath,
      args: [join(config.repoRoot, 'agent/bin/procwatch-agent.js'), 'run', '--config', setup.configFile],
      cwd: config.repoRoot,
      env: { ...process.env, PROCWATCH_LOG_LEVEL: config.logLevel },
      logFile: join(config.dataDir, 'logs/agent.log'),
      print,
    });
    daemons.push(agent);
    void agent.exited.then((code) => {
      if (!stop.signal.aborted)
        print(`the agent exited unexpectedly (${code}); see ${join(config.dataDir, 'logs/agent.log')}`);
    });

    print(
      [
        '',
        'procwatch is running.',
        `  dashboard:    ${baseUrl}/ui`,
        `  admin token:  ${tokenFile}${adminToken.created ? ' (generated now)' : ''} — log in with its contents`,
        `  this machine: host "${setup.hostName}" (id ${setup.hostId}), agent pid ${agent.pid}, collector pid ${collector.pid}`,
        `  admin CLI:    npx tsx collector/src/cli/procwatch.ts${config.port === 8080 ? '' : ` --url ${baseUrl}`} --token-file ${tokenFile} status`,
        `  logs:         ${join(config.dataDir, 'logs')}`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    await Promise.race([
      collector.exited,
      new Promise((resolve) => stop.signal.addEventListener('abort', resolve)),
    ]);
    await shutdown('done');
  } catch (error) {
    if (!stop.signal.aborted) {
      failed = true;
      print(`quick start failed: ${errorMessage(error)}`);
    }
    await shutdown('error');
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
