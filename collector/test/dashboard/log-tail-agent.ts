import type { AgentCommand, AgentCommandList, LogTail } from '@procwatch/shared';
import type { TestApp } from '../support/test-app.ts';

// A host's agent played through the agent API, for the log tail on demand: enough to see the dashboard
// and the CLI show what an agent answers, without a real agent process (its own side is tested in
// collector/test/restart/log-tail-on-demand.test.ts).

/** A log_tail command as the agent receives it. */
export type LogTailCommand = Extract<AgentCommand, { kind: 'log_tail' }>;

/** One heartbeat, so that the host's agent counts as online. */
export async function sendHeartbeat(t: TestApp, token: string): Promise<void> {
  const res = await t.agent(token, 'POST', '/agent/v1/heartbeat', {
    protocol: 1,
    agent_version: 'test-double',
    started_at: new Date().toISOString(),
    spool_depth: 0,
    spool_lost: 0,
    last_seq: 0,
  });
  if (res.status !== 200) throw new Error(`heartbeat: ${res.status} ${await res.text()}`);
}

/**
 * Takes commands (long-polls, skipping others such as refresh_config) until a log_tail comes, and answers
 * it with `tail`; returns the command.
 */
export async function answerLogTail(
  t: TestApp,
  token: string,
  tail: Pick<LogTail, 'text' | 'truncated'>,
): Promise<LogTailCommand> {
  for (let polls = 0; polls < 10; polls++) {
    const res = await t.agent(token, 'GET', '/agent/v1/commands?wait=5');
    if (res.status !== 200) continue;
    const { commands } = (await res.json()) as AgentCommandList;
    const command = commands.find((c): c is LogTailCommand => c.kind === 'log_tail');
    if (!command) continue;
    const answered = await t.agent(token, 'POST', `/agent/v1/commands/${command.id}/result`, {
      protocol: 1,
      kind: 'log_tail',
      log_tail: { path: '/var/log/md/md.log', error: null, ...tail },
    });
    if (answered.status !== 204) throw new Error(`answer: ${answered.status} ${await answered.text()}`);
    return command;
  }
  throw new Error('no log_tail command came');
}
