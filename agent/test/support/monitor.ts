import type { AgentMonitorSpec } from '@procwatch/shared';

let nextId = 1;

/** A monitor spec with test defaults. */
export function monitor(fields: Partial<AgentMonitorSpec>): AgentMonitorSpec {
  const id = fields.id ?? nextId++;
  return {
    id,
    name: `test monitor ${id}`,
    process_type: 'CUSTOM',
    fundAccountId: null,
    process_name: null,
    command_pattern: null,
    pid_file: null,
    check_interval: 60,
    monitor_start_time: null,
    monitor_end_time: null,
    ...fields,
  };
}
