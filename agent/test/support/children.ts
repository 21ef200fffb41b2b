import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { waitFor } from './poll.ts';

/** A child process with a distinctive argv (`procwatch-test-<uuid>`), killed by `dispose`. */
export interface TestChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly tag: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const SCRIPTS = {
  idle: 'setInterval(() => {}, 1000)',
  // Four spinning worker threads; the main thread only ends the process after two minutes, so a
  // busy child orphaned by a crashed test run cannot spin forever.
  busy: "const { Worker } = require('node:worker_threads'); for (let i = 0; i < 4; i++) new Worker('for (;;) {}', { eval: true }); setTimeout(() => process.exit(0), 120000);",
} as const;

/** A fresh distinctive tag. */
export function newTag(): string {
  return `procwatch-test-${randomUUID()}`;
}

/** Waits until /proc shows the pid with the tag in its command line (exec done, argv visible). */
async function visible(pid: number, tag: string): Promise<void> {
  await waitFor(
    () => existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(tag),
    { what: `child ${pid} to show its argv` },
  );
}

/** Spawns `node -e <script> <tag>`: idle (a timer) or busy (a spinning loop). */
export async function spawnChild(kind: keyof typeof SCRIPTS, tag = newTag()): Promise<TestChild> {
  // A busy child gets a session (so its own scheduler autogroup) of raised priority, best effort
  // (needs root): on a shared 2-core machine under heavy load a busy loop otherwise gets far less
  // than half a core, because Linux shares CPU fairly between sessions first.
  const child = spawn(process.execPath, ['-e', SCRIPTS[kind], tag], {
    stdio: 'ignore',
    detached: kind === 'busy',
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('spawn failed');
  if (kind === 'busy') {
    try {
      writeFileSync(`/proc/${pid}/autogroup`, '-10');
    } catch {}
  }
  await visible(pid, tag);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {}
      child.kill(signal);
    }
    await exited;
  };
  return { child, pid, tag, kill, [Symbol.asyncDispose]: () => kill() };
}
