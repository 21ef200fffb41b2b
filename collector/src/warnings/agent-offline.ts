import { activeMute } from './expectation.ts';
import type { MuteWindow, WarningAction } from './model.ts';

/** What the AGENT_OFFLINE rule needs to know about a host. */
export interface HostRuleInput {
  readonly id: number;
  readonly name: string;
  readonly active: boolean;
  readonly lastHeartbeatAt: Date | null;
  readonly heartbeatTimeoutSeconds: number;
  /** Mutes of this host. */
  readonly mutes: readonly MuteWindow[];
}

/**
 * AGENT_OFFLINE for one host at `now`, given whether an unresolved one exists: raised once the last heartbeat is
 * older than the host's timeout, resolved when heartbeats return. A host whose agent never reported is left to
 * the SSH fallback (there is no agent to be offline), as is an inactive one.
 */
export function evaluateAgentOffline(host: HostRuleInput, open: boolean, now: Date): WarningAction | null {
  if (!host.active || host.lastHeartbeatAt === null) {
    return open
      ? {
          kind: 'resolve',
          type: 'AGENT_OFFLINE',
          at: now,
          reason: host.active ? 'the host has no agent' : 'the host is inactive',
        }
      : null;
  }
  const silentMs = now.getTime() - host.lastHeartbeatAt.getTime();
  const offline = silentMs > host.heartbeatTimeoutSeconds * 1000;
  const mute = activeMute(host.mutes, now);
  if (open && !offline) {
    return {
      kind: 'resolve',
      type: 'AGENT_OFFLINE',
      at: now,
      reason: `heartbeats resumed (last at ${host.lastHeartbeatAt.toISOString()})`,
    };
  }
  if (open && mute !== undefined) {
    return {
      kind: 'resolve',
      type: 'AGENT_OFFLINE',
      at: now,
      reason: `muted until ${mute.until.toISOString()}`,
    };
  }
  if (!open && offline && mute === undefined) {
    return {
      kind: 'raise',
      type: 'AGENT_OFFLINE',
      at: now,
      title: `${host.name}: agent offline`,
      message:
        `No heartbeat from the agent on ${host.name} since ${host.lastHeartbeatAt.toISOString()} ` +
        `(${Math.round(silentMs / 1000)} s, timeout ${host.heartbeatTimeoutSeconds} s).`,
      details: {
        last_heartbeat_at: host.lastHeartbeatAt.toISOString(),
        heartbeat_timeout_seconds: host.heartbeatTimeoutSeconds,
      },
    };
  }
  return null;
}
