import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI } from './support/skip.ts';

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'install-agent.sh');
const TOKEN = 'pwa_test-token.0123456789abcdef';

// useradd and chown need root; CI runs as root. The script installs into a scratch root (--root),
// which also keeps systemctl out of it.
const isRoot = process.getuid?.() === 0;
if (!isRoot && !IN_CI) console.warn('skipping install-agent tests: they need root (useradd --prefix, chown)');

async function install(root: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT, '--root', root, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe.skipIf(!isRoot && !IN_CI)('install-agent.sh', () => {
  let root = '';
  let bundle = '';
  const base = () => ['--bundle', bundle, '--node', '/usr/bin/node'];
  const urls = ['--collector-url', 'http://127.0.0.1:8080', '--collector-url', 'https://[::1]:8443/pw'];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'procwatch-install-'));
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\n');
    await writeFile(join(root, 'etc/shadow'), '', { mode: 0o600 });
    await writeFile(join(root, 'etc/gshadow'), '', { mode: 0o600 });
    bundle = join(root, 'bundle.mjs');
    await writeFile(bundle, '// stands in for deploy/dist/procwatch-agent.mjs\n');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('installs user, directories, bundle, unit and config', async () => {
    const first = await install(root, [...base(), ...urls, '--token', TOKEN]);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('changed=1');

    const passwd = await readFile(join(root, 'etc/passwd'), 'utf8');
    const line = passwd.split('\n').find((l) => l.startsWith('procwatch-agent:'));
    expect(line).toMatch(
      /^procwatch-agent:x:\d+:\d+:[^:]*:\/var\/lib\/procwatch-agent:\/usr\/sbin\/nologin$/,
    );
    const [, , uid, gid] = (line ?? '').split(':').map(Number);

    const state = await stat(join(root, 'var/lib/procwatch-agent'));
    expect(state.mode & 0o777).toBe(0o700);
    expect([state.uid, state.gid]).toEqual([uid, gid]);

    const tokenFile = await stat(join(root, 'etc/procwatch/agent.token'));
    expect(tokenFile.mode & 0o777).toBe(0o640);
    expect([tokenFile.uid, tokenFile.gid]).toEqual([0, gid]);
    expect(await readFile(join(root, 'etc/procwatch/agent.token'), 'utf8')).toBe(`${TOKEN}\n`);
    const config = JSON.parse(await readFile(join(root, 'etc/procwatch/agent.json'), 'utf8'));
    expect(config).toEqual({
      collector: {
        urls: ['http://127.0.0.1:8080', 'https://[::1]:8443/pw'],
        token_file: '/etc/procwatch/agent.token',
      },
      state_dir: '/var/lib/procwatch-agent',
    });
    // The file is what the agent itself accepts.
    const { AgentFileSchema } = await import('../../agent/src/config.ts');
    expect(AgentFileSchema.safeParse(config).success).toBe(true);
    expect(await readFile(join(root, 'usr/local/lib/procwatch/procwatch-agent.mjs'), 'utf8')).toContain(
      'stands in',
    );
    expect(existsSync(join(root, 'etc/systemd/system/procwatch-agent.service'))).toBe(true);
  });

  it('changes nothing when run again with the same arguments, or with none', async () => {
    const before = await readFile(join(root, 'etc/procwatch/agent.json'), 'utf8');
    for (const args of [[...base(), ...urls, '--token', TOKEN], base()]) {
      const again = await install(root, args);
      expect(again.code, again.out).toBe(0);
      expect(again.out).toContain('changed=0');
    }
    const passwd = await readFile(join(root, 'etc/passwd'), 'utf8');
    expect(passwd.match(/^procwatch-agent:/gm)).toHaveLength(1);
    expect(await readFile(join(root, 'etc/procwatch/agent.json'), 'utf8')).toBe(before);
  });

  it('reads the token from a file', async () => {
    const tokenFile = join(root, 'token');
    await writeFile(tokenFile, `${TOKEN}x\n`, { mode: 0o600 });
    const result = await install(root, [...base(), ...urls, '--token-file', tokenFile]);
    expect(result.code, result.out).toBe(0);
    expect(await readFile(join(root, 'etc/procwatch/agent.token'), 'utf8')).toBe(`${TOKEN}x\n`);
  });

  it('uses a drop-in for a node elsewhere than /usr/bin/node, and removes it again', async () => {
    const otherNode = join(root, 'opt-node');
    await symlink(process.execPath, otherNode);
    const dropIn = join(root, 'etc/systemd/system/procwatch-agent.service.d/node.conf');
    const withOther = await install(root, ['--bundle', bundle, '--node', otherNode]);
    expect(withOther.code, withOther.out).toBe(0);
    expect(await readFile(dropIn, 'utf8')).toBe(
      `[Service]\nExecStart=\nExecStart=${otherNode} --max-semi-space-size=1 --optimize-for-size /usr/local/lib/procwatch/procwatch-agent.mjs run --config /etc/procwatch/agent.json\n`,
    );
    const back = await install(root, base());
    expect(back.code, back.out).toBe(0);
    expect(existsSync(dropIn)).toBe(false);
  });

  it.each([
    ['a URL with shell syntax', ['--collector-url', 'http://x$(touch MARKER)', '--token', TOKEN]],
    ['a URL with a quote', ['--collector-url', 'http://x"; touch MARKER; "', '--token', TOKEN]],
    [
      'a token with a newline',
      ['--collector-url', 'http://127.0.0.1:1', '--token', `${TOKEN}\n$(touch MARKER)`],
    ],
    [
      'a token with backticks',
      ['--collector-url', 'http://127.0.0.1:1', '--token', `${TOKEN}\`touch MARKER\``],
    ],
    ['a missing token', ['--collector-url', 'http://127.0.0.1:1', '--token', '']],
    ['an unknown option', ['--colector-url', 'http://127.0.0.1:1']],
  ])('refuses %s and changes nothing', async (_label, extra) => {
    const marker = join(root, 'MARKER');
    const before = await readFile(join(root, 'etc/procwatch/agent.token'), 'utf8');
    const args = extra.map((a) => a.replaceAll('MARKER', marker));
    const result = await install(root, [...base(), ...args]);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/install-agent: |usage/);
    expect(existsSync(marker)).toBe(false);
    expect(await readFile(join(root, 'etc/procwatch/agent.token'), 'utf8')).toBe(before);
  });
});

describe('deploy/examples/agent.json', () => {
  it('is a config the agent accepts', async () => {
    const { AgentFileSchema } = await import('../../agent/src/config.ts');
    const text = await readFile(join(dirname(SCRIPT), '..', 'examples', 'agent.json'), 'utf8');
    const parsed = AgentFileSchema.safeParse(JSON.parse(text));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });
});
