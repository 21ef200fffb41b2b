import type { AgentConfig, AgentMonitorSpec } from '@procwatch/shared';

/** A collector config for tests: fast liveness, short batches and heartbeats. */
export function agentConfig(
  monitors: AgentMonitorSpec[],
  settings: Partial<AgentConfig['settings']> = {},
): AgentConfig {
  return {
    protocol: 1,
    host: { id: 1, name: 'test-host' },
    settings: {
      heartbeat_interval_s: 1,
      config_refresh_s: 5,
      liveness_interval_ms: 500,
      batch_max_samples: 500,
      batch_max_delay_ms: 200,
      ...settings,
    },
    calendar: { timeZone: 'Asia/Shanghai', rollTime: '20:00', holidays: [], extraTradingDays: [] },
    monitors,
  };
}
