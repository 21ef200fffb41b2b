import { errorMessage } from '@procwatch/shared';
import { startAgent } from '../agent.ts';
import { loadAgentConfig } from '../config.ts';
import { createLogger } from '../logger.ts';

/** systemd's default TimeoutStopSec is 90 s; we promise to be gone well within 5 s. */
export const FORCED_EXIT_MS = 4500;

/** `procwatch-agent run`: the daemon, until SIGTERM or SIGINT. Returns the exit code. */
export async function runDaemon(options: { configPath?: string; env: NodeJS.ProcessEnv }): Promise<number> {
  const config = loadAgentConfig(options);
  const log = createLogger(config.logLevel);
  process.on('uncaughtException', (error) => {
    log.fatal({ error: errorMessage(error), stack: error.stack }, 'uncaught exception');
    process.exit(1);
  });
  const agent = await startAgent(config, log);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'stopping');
  setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, FORCED_EXIT_MS).unref();
  await agent.close();
  return 0;
}
