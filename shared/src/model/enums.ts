import { z } from 'zod';

/** Kind of monitored program (seed enum `ProcessType`). */
export const PROCESS_TYPES = ['TRADER', 'QUOTE', 'COMMUNICATION', 'CUSTOM'] as const;
/** zod schema of {@link ProcessType}. */
export const ProcessTypeSchema = z.enum(PROCESS_TYPES);
/** Kind of monitored program. */
export type ProcessType = z.infer<typeof ProcessTypeSchema>;

/** Outcome of one check (seed enum `ProcessStatusType`). */
export const PROCESS_STATUS_TYPES = ['RUNNING', 'STOPPED', 'ERROR', 'NOT_FOUND'] as const;
/** zod schema of {@link ProcessStatusType}. */
export const ProcessStatusTypeSchema = z.enum(PROCESS_STATUS_TYPES);
/** Outcome of one check. */
export type ProcessStatusType = z.infer<typeof ProcessStatusTypeSchema>;

/** True for the outcomes that mean the process is not running (ERROR says nothing about the process). */
export function isProcessDown(status: ProcessStatusType | null | undefined): boolean {
  return status === 'NOT_FOUND' || status === 'STOPPED';
}

/**
 * Warning types (seed enum `OpsWarningType`). The seed's five PROCESS_* values come first;
 * AGENT_OFFLINE and PROCESS_UNHEALTHY are ours and are added by a later migration.
 */
export const OPS_WARNING_TYPES = [
  'PROCESS_NOT_RUNNING',
  'PROCESS_CRASHED',
  'PROCESS_HIGH_CPU',
  'PROCESS_HIGH_MEMORY',
  'PROCESS_CHECK_FAILED',
  'AGENT_OFFLINE',
  'PROCESS_UNHEALTHY',
] as const;
/** zod schema of {@link OpsWarningType}. */
export const OpsWarningTypeSchema = z.enum(OPS_WARNING_TYPES);
/** Warning type. */
export type OpsWarningType = z.infer<typeof OpsWarningTypeSchema>;

/** Lifecycle of a warning: OPEN → ACKNOWLEDGED → RESOLVED. */
export const OPS_WARNING_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED'] as const;
/** zod schema of {@link OpsWarningStatus}. */
export const OpsWarningStatusSchema = z.enum(OPS_WARNING_STATUSES);
/** Lifecycle state of a warning. */
export type OpsWarningStatus = z.infer<typeof OpsWarningStatusSchema>;

/** Who produced a sample: the host's own agent, or the collector's SSH fallback. */
export const SAMPLE_SOURCES = ['AGENT', 'SSH'] as const;
/** zod schema of {@link SampleSource}. */
export const SampleSourceSchema = z.enum(SAMPLE_SOURCES);
/** Who produced a sample. */
export type SampleSource = z.infer<typeof SampleSourceSchema>;

/** How the SSH fallback trusts a host key: pinned ahead, or trusted on first use and pinned then. */
export const HOST_KEY_POLICIES = ['PINNED', 'TOFU'] as const;
/** zod schema of {@link HostKeyPolicy}. */
export const HostKeyPolicySchema = z.enum(HOST_KEY_POLICIES);
/** Host key trust policy. */
export type HostKeyPolicy = z.infer<typeof HostKeyPolicySchema>;
