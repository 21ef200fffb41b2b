import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpTransport } from '../../../collector/src/cli/http-transport.ts';
import { AdminApi } from '../../../collector/src/dashboard/admin-api.ts';
import { REPO_ROOT } from '../../src/build-agent-bundle.ts';
import { waitForHttpOk } from '../../src/quick-start/bootstrap.ts';
import { type Daemon, startDaemon } from '../../src/quick-start/child-process.ts';
import { freePort } from './wait.ts';

/** A collector process on a free port with its own PGlite data directory. */
export interface CollectorProcess extends AsyncDisposable {
  readonly url: string;
  readonly adminToken: string;
  readonly dir: string;
  readonly daemon: Daemon;
  /** Console lines the collector printed at warn and above. */
  readonly lines: string[];
  readonly api: AdminApi;
  close(): Promise<void>;
}

/**
 * Starts `procwatch-collector serve` as a child process, exactly as the systemd unit and the quick
 * start do, and waits until /readyz answers. A fresh PGlite directory takes several seconds.
 */
export async function startCollectorProcess(
  options: { env?: Record<string, string> } = {},
): Promise<CollectorProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'procwatch-sys-'));
  const port = await freePort();
  const adminToken = randomBytes(24).toString('base64url');
  const url = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const daemon = startDaemon({
    name: 'collector',
    command: process.execPath,
    args: [join(REPO_ROOT, 'collector/bin/procwatch-collector.js'), 'serve'],
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PROCWATCH_DATA_DIR: join(dir, 'data'),
      PROCWATCH_ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    logFile: join(dir, 'collector.log'),
    print: (line) => lines.push(line),
  });
  const transport = httpTransport({ url, token: adminToken, timeoutMs: 15_000 });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await transport.close();
      await daemon.stop(15_000);
      await rm(dir, { recursive: true, force: true });
    })();
    return closing;
  };
  try {
    await Promise.race([
      waitForHttpOk(`${url}/readyz`, 120_000),
      daemon.exited.then((code) => {
        throw new Error(`the collector exited (${code}) before it was ready: ${lines.join('\n')}`);
      }),
    ]);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url,
    adminToken,
    dir,
    daemon,
    lines,
    api: new AdminApi(transport),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Writes an agent config for a host token into `dir` (the agent's own file format). */
export async function writeAgentConfig(
  dir: string,
  collectorUrl: string,
  agentToken: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.token'), `${agentToken}\n`, { mode: 0o600 });
  const file = join(dir, 'agent.json');
  const config = { collector: { urls: [collectorUrl], token_file: 'agent.token' }, state_dir: 'state' };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}
