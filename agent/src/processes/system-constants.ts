import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseBootTime } from './proc-stat.ts';

/** Kernel constants the /proc reader needs to turn ticks and pages into time and bytes. */
export interface SystemConstants {
  /** Clock ticks per second (`CLK_TCK`, 100 on every mainstream Linux build). */
  readonly clockTicks: number;
  /** Page size in bytes (4096 on x86-64). */
  readonly pageSize: number;
  /** Boot time, ms since the epoch. */
  readonly bootTimeMs: number;
}

function getconf(name: 'CLK_TCK' | 'PAGESIZE', fallback: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    // Fixed argv, no shell; any failure falls back to the Linux default.
    execFile('getconf', [name], { timeout: 2000, signal }, (error, stdout) => {
      const value = Number(String(stdout).trim());
      resolve(!error && Number.isInteger(value) && value > 0 ? value : fallback);
    });
  });
}

/**
 * Reads the constants once at start. Boot time is read once too: `/proc/stat`'s btime is derived
 * from the wall clock and can move by a second after clock adjustments, which would change every
 * process's computed start time, i.e. its identity.
 */
export async function readSystemConstants(options: { signal?: AbortSignal } = {}): Promise<SystemConstants> {
  const bootTime = parseBootTime(readFileSync('/proc/stat', 'utf8'));
  if (bootTime === null) throw new Error('/proc/stat has no btime line');
  const [clockTicks, pageSize] = await Promise.all([
    getconf('CLK_TCK', 100, options.signal),
    getconf('PAGESIZE', 4096, options.signal),
  ]);
  return { clockTicks, pageSize, bootTimeMs: bootTime * 1000 };
}
