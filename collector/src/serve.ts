import { startCollector } from './collector.ts';
import { loadCollectorConfig } from './config.ts';
import { createLogger } from './logger.ts';

/**
 * `procwatch-collector serve`: runs until SIGTERM or SIGINT, then drains requests and jobs and stops
 * within PROCWATCH_SHUTDOWN_TIMEOUT_MS (below systemd's stop timeout). A second signal kills at once.
 */
export async function serve(): Promise<number> {
  const config = loadCollectorConfig(process.env);
  const logger = createLogger(config.logLevel);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    stop.abort();
    // The default handler again: a second signal ends the process at once.
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const collector = await startCollector(config, { logger, signal: stop.signal });
  if (collector.adminToken.generated) {
    // On stderr, not in the JSON log: the token is a secret, shown this once and never logged.
    console.error(
      `\nprocwatch: generated the admin token (shown only now; store it safely):\n\n  ${collector.adminToken.generated}\n\n` +
        'Use it as "Authorization: Bearer <token>" on /api/v1. Set PROCWATCH_ADMIN_TOKEN to choose your own, or run\n' +
        '"procwatch-collector rotate-admin-token" to replace it.\n',
    );
  }
  if (!stop.signal.aborted)
    await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
  await collector.close();
  return 0;
}
