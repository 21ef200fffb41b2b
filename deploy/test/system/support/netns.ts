import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { SuiteContext } from './suite-context.ts';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 30_000 });
}

/** Why network namespaces cannot be used here, or undefined (tries to make and remove one). */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return '`ip netns` needs root';
  const probe = `pwprobe${randomBytes(3).toString('hex')}`;
  try {
    await ip('netns', 'add', probe);
  } catch (error) {
    return `\`ip netns add\` failed: ${error instanceof Error ? error.message.trim() : String(error)}`;
  }
  await ip('netns', 'del', probe).catch(() => {});
  return undefined;
}

const made = new Set<string>();
// Last resort when the runner dies before the suite's cleanup: no namespace outlives it.
process.once('exit', () => {
  for (const ns of made) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {}
  }
});

/**
 * Two network namespaces joined by a veth pair with private addresses that exist only inside them
 * (10.231.77.0/30; no address or route is added to the machine's own namespace, nothing is routed
 * anywhere else): the collector's side and the agent's side. `cut()` takes the collector's end down,
 * so the agent's packets vanish silently (timeouts, not refusals) until `heal()`.
 */
export class NetnsPair {
  readonly collectorAddress = '10.231.77.1';
  readonly agentAddress = '10.231.77.2';

  private constructor(
    readonly collectorNs: string,
    readonly agentNs: string,
    readonly collectorIf: string,
    readonly agentIf: string,
  ) {}

  static async create(ctx: SuiteContext): Promise<NetnsPair> {
    const id = randomBytes(3).toString('hex');
    const pair = new NetnsPair(`pwc-${id}`, `pwa-${id}`, `pwvc${id}`, `pwva${id}`);
    ctx.defer('delete the network namespaces', () => pair.destroy());
    for (const ns of [pair.collectorNs, pair.agentNs]) {
      await ip('netns', 'add', ns);
      made.add(ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    await ip(
      'link',
      'add',
      pair.collectorIf,
      'netns',
      pair.collectorNs,
      'type',
      'veth',
      'peer',
      'name',
      pair.agentIf,
      'netns',
      pair.agentNs,
    );
    await ip('-n', pair.collectorNs, 'addr', 'add', `${pair.collectorAddress}/30`, 'dev', pair.collectorIf);
    await ip('-n', pair.agentNs, 'addr', 'add', `${pair.agentAddress}/30`, 'dev', pair.agentIf);
    await pair.heal();
    await ip('-n', pair.agentNs, 'link', 'set', pair.agentIf, 'up');
    return pair;
  }

  /** Cuts the link: the collector's end goes down; the agent's packets are lost, not refused. */
  async cut(): Promise<void> {
    await ip('-n', this.collectorNs, 'link', 'set', this.collectorIf, 'down');
  }

  /** Restores the link. */
  async heal(): Promise<void> {
    await ip('-n', this.collectorNs, 'link', 'set', this.collectorIf, 'up');
  }

  /** Deletes both namespaces (and with them the veth pair). Processes inside must be gone first. */
  async destroy(): Promise<void> {
    for (const ns of [this.agentNs, this.collectorNs]) {
      await ip('netns', 'del', ns).catch(() => {});
      made.delete(ns);
    }
  }
}
