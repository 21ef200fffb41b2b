import { sshFallbackExtension } from './checks/ssh-fallback-extension.ts';
import type { CollectorExtension } from './collector-extension.ts';
import { maintenanceExtension } from './jobs/maintenance-extension.ts';
import { metricsExtension } from './metrics/metrics-extension.ts';
import { warningExtension } from './warnings/warning-extension.ts';

/**
 * The features `startCollector` sets up, in order: hooks run in this order, jobs start in this
 * order. Add yours with one line.
 */
export const collectorExtensions: readonly CollectorExtension[] = [
  // First: a warning is the most urgent thing a sample can cause.
  warningExtension,
  sshFallbackExtension,
  maintenanceExtension,
  metricsExtension,
];
