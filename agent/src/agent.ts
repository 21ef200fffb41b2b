import { totalmem } from 'node:os';
import { join } from 'node:path';
import {
  type AgentConfig,
  type AgentSettings,
  AgentSettingsSchema,
  errorMessage,
  type Sample,
} from '@procwatch/shared';
import type { Logger } from 'pino';
import { Scheduler } from './checks/scheduler.ts';
import { type AgentSettingsConfig, readAgentToken } from './config.ts';
import { answerLogTail } from './logs/log-tail-command.ts';
import { createProcessLister } from './processes/create-lister.ts';
import type { ProcessLister } from './processes/process-lister.ts';
import { RestartManager } from './restart/restart-manager.ts';
import { Spool } from './spool/spool.ts';
import { CollectorClient } from './transport/collector-client.ts';
import { runCommandPoller } from './transport/command-poller.ts';
import { CONFIG_CACHE_FILE, readConfigCache } from './transport/config-cache.ts';
import { ConfigSync } from './transport/config-sync.ts';
import { runHeartbeat } from './transport/heartbeat.ts';
import { Pusher } from './transport/pusher.ts';
import { AGENT_VERSION } from './version.ts';

/** How long shutdown may spend pushing what is left, ms. */
export const SHUTDOWN_PUSH_MS = 1500;

/** A running agent. */
export interface RunningAgent {
  /** Resolves when every loop has stopped after {@link RunningAgent.close}. */
  readonly scheduler: Scheduler;
  readonly spool: Spool;
  readonly pusher: Pusher;
  /** Stops the loops, pushes what it can within {@link SHUTDOWN_PUSH_MS}, flushes and closes the spool; idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@link startAgent} (tests and the benchmark tune these). */
export interface StartAgentOptions {
  readonly onSamples?: (samples: Sample[]) => void;
  readonly lister?: ProcessLister;
}

/**
 * Starts the daemon: opens the spool, loads the cached config, then runs the config sync, the
 * scheduler (checks and liveness), the pusher, the heartbeat and the command long-poll, each a
 * runLoop on one AbortController.
 */
export async function startAgent(
  config: AgentSettingsConfig,
  log: Logger,
  options: StartAgentOptions = {},
): Promise<RunningAgent> {
  const collector = config.collector;
  if (!collector)
    throw new Error('collector.urls is required to run (config file or PROCWATCH_COLLECTOR_URLS)');
  readAgentToken(collector); // fail at start, not at the first request
  const startedAt = new Date();
  const controller = new AbortController();
  const signal = controller.signal;
  const cachePath = join(config.stateDir, CONFIG_CACHE_FILE);

  const spool = Spool.open({
    dir: config.spool.dir,
    log: log.child({ component: 'spool' }),
    maxBytes: config.spool.maxBytes,
    maxAgeMs: config.spool.maxAgeMs,
    segmentBytes: config.spool.segmentBytes,
  });
  const lister = options.lister ?? (await createProcessLister(config.lister));
  let token = readAgentToken(collector);
  let tokenReadAt = Date.now();
  const client = new CollectorClient({
    urls: collector.urls,
    // A token file is re-read once a minute, so a rotated token needs no restart.
    token: () => {
      if (collector.tokenFile && Date.now() - tokenReadAt > 60_000) {
        tokenReadAt = Date.now();
        try {
          token = readAgentToken(collector);
        } catch (error) {
          log.error({ error: errorMessage(error) }, 'cannot re-read the token file; keeping the old token');
        }
      }
      return token;
    },
    caFile: collector.caFile,
    requestTimeoutMs: collector.requestTimeoutMs,
    log: log.child({ component: 'client' }),
  });

  let settings: AgentSettings = AgentSettingsSchema.parse({});
  const pusher = new Pusher({
    spool,
    client,
    log: log.child({ component: 'push' }),
    settings: () => settings,
  });
  const restarts = new RestartManager({
    actions: config.restartActions,
    limits: config.restartLimits,
    log: log.child({ component: 'restart' }),
    recheck: (id) => scheduler.recheck(id),
  });
  const scheduler = new Scheduler({
    restarts,
    logDirs: config.logDirs,
    lister,
    spool,
    log: log.child({ component: 'checks' }),
    totalMemoryBytes: totalmem(),
    onSamples: (samples, urgent) => {
      pusher.notify(urgent);
      options.onSamples?.(samples);
    },
  });
  let haveConfig = false;
  const apply = (agentConfig: AgentConfig, source: string) => {
    settings = agentConfig.settings;
    scheduler.setConfig(agentConfig);
    haveConfig = true;
    log.info(
      { source, host: agentConfig.host.name, monitors: agentConfig.monitors.length, settings },
      'config applied',
    );
  };
  // A heartbeat or config fetch that gets through means the collector is back: the pusher, whose
  // backoff may have grown to 30 s during the outage, sends the spool now (once per such success).
  const collectorReachable = () => pusher.retryNow();
  let cachedEtag: string | null = null;
  try {
    const cache = readConfigCache(cachePath);
    if (cache) {
      cachedEtag = cache.etag;
      apply(cache.config, 'cache');
    }
  } catch (error) {
    log.error({ error: errorMessage(error) }, 'ignoring the config cache');
  }
  const configSync = new ConfigSync({
    client,
    cachePath,
    log: log.child({ component: 'config' }),
    etag: cachedEtag,
    onConfig: (c) => apply(c, 'collector'),
    onSuccess: collectorReachable,
  });

  log.info(
    {
      version: AGENT_VERSION,
      lister: lister.kind,
      collectors: collector.urls,
      spool: { dir: config.spool.dir, ...spool.stats },
      cachedConfig: haveConfig,
    },
    'agent started',
  );

  const loops = [
    configSync.run(signal, () => settings.config_refresh_s * 1000, true),
    pusher.run(signal),
    runHeartbeat({
      client,
      spool,
      startedAt,
      settings: () => settings,
      log: log.child({ component: 'heartbeat' }),
      signal,
      onSuccess: collectorReachable,
    }),
    scheduler.run(signal),
    runCommandPoller({
      client,
      log: log.child({ component: 'commands' }),
      signal,
      onCommand: async (command, s) => {
        switch (command.kind) {
          case 'check_now':
            await scheduler.checkNow(command.processMonitorIds, s);
            return;
          case 'refresh_config':
            // A failure changes nothing: the periodic refresh is the fallback.
            await configSync.refresh(s).catch((error: unknown) => {
              log.warn({ error: errorMessage(error) }, 'config refresh on command failed');
            });
            return;
          case 'log_tail':
            await answerLogTail(
              command,
              {
                client,
                monitor: (id) => scheduler.monitor(id),
                logDirs: config.logDirs,
                log: log.child({ component: 'commands' }),
              },
              s,
            );
            return;
          default:
            command satisfies never;
        }
      },
    }),
  ];

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      controller.abort();
      const results = await Promise.allSettled([...loops, restarts.close()]);
      for (const r of results) {
        if (r.status === 'rejected') log.error({ error: errorMessage(r.reason) }, 'loop ended with an error');
      }
      await pusher.flush(AbortSignal.timeout(SHUTDOWN_PUSH_MS));
      spool.close();
      await client.close();
      await lister.close();
      log.info({ spool: spool.stats, push: pusher.stats }, 'agent stopped');
    })();
    return closing;
  };
  return { scheduler, spool, pusher, close, [Symbol.asyncDispose]: close };
}
