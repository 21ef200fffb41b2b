import { z } from 'zod';

/** Engine-wide defaults; per-monitor columns override the thresholds when they are not null. */
export interface WarningSettings {
  /** CPU % above which a sample counts as high; 100 % = one core. */
  readonly cpuThresholdPercent: number;
  /** Memory % of the host's total above which a sample counts as high. */
  readonly memoryThresholdPercent: number;
  /** Resident memory in MB above which a sample counts as high; null = no MB limit by default. */
  readonly memoryThresholdMb: number | null;
  /** Consecutive samples above a threshold that raise, and below it (minus the margin) that resolve. */
  readonly consecutiveSamples: number;
  /** Margin below a threshold, as a fraction of it, that a value must reach to count as recovered. */
  readonly hysteresisFraction: number;
  /** Consecutive healthy samples that resolve NOT_RUNNING, CRASHED and CHECK_FAILED (damps flapping). */
  readonly recoverSamples: number;
  /** Remind about an OPEN (unacknowledged) warning this often, seconds; 0 = never. */
  readonly reminderIntervalSeconds: number;
  /** At most this many reminders per warning. */
  readonly reminderMax: number;
}

/** Defaults used when the environment sets nothing. */
export const DEFAULT_WARNING_SETTINGS: WarningSettings = Object.freeze({
  cpuThresholdPercent: 90,
  memoryThresholdPercent: 80,
  memoryThresholdMb: null,
  consecutiveSamples: 3,
  hysteresisFraction: 0.1,
  recoverSamples: 2,
  reminderIntervalSeconds: 1800,
  reminderMax: 3,
});

// An empty variable counts as unset, as in the collector's other settings.
const optionalNumber = <T extends z.ZodType<number>>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** Environment variables of the warning engine (read by the collector's config.ts, nowhere else). */
export const WarningEnvSchema = z.object({
  PROCWATCH_WARN_CPU_PERCENT: optionalNumber(z.coerce.number().positive().max(100_000)),
  PROCWATCH_WARN_MEMORY_PERCENT: optionalNumber(z.coerce.number().positive().max(100)),
  PROCWATCH_WARN_MEMORY_MB: optionalNumber(z.coerce.number().positive()),
  PROCWATCH_WARN_CONSECUTIVE_SAMPLES: optionalNumber(z.coerce.number().int().min(1).max(100)),
  PROCWATCH_WARN_HYSTERESIS: optionalNumber(z.coerce.number().min(0).max(0.9)),
  PROCWATCH_WARN_RECOVER_SAMPLES: optionalNumber(z.coerce.number().int().min(1).max(100)),
  PROCWATCH_WARN_REMINDER_INTERVAL_S: optionalNumber(
    z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400),
  ),
  PROCWATCH_WARN_REMINDER_MAX: optionalNumber(z.coerce.number().int().min(0).max(100)),
});

/** Settings from already-parsed warning env variables, defaults filled in, frozen. */
export function warningSettingsFromEnv(env: z.infer<typeof WarningEnvSchema>): WarningSettings {
  const d = DEFAULT_WARNING_SETTINGS;
  return Object.freeze({
    cpuThresholdPercent: env.PROCWATCH_WARN_CPU_PERCENT ?? d.cpuThresholdPercent,
    memoryThresholdPercent: env.PROCWATCH_WARN_MEMORY_PERCENT ?? d.memoryThresholdPercent,
    memoryThresholdMb: env.PROCWATCH_WARN_MEMORY_MB ?? d.memoryThresholdMb,
    consecutiveSamples: env.PROCWATCH_WARN_CONSECUTIVE_SAMPLES ?? d.consecutiveSamples,
    hysteresisFraction: env.PROCWATCH_WARN_HYSTERESIS ?? d.hysteresisFraction,
    recoverSamples: env.PROCWATCH_WARN_RECOVER_SAMPLES ?? d.recoverSamples,
    reminderIntervalSeconds: env.PROCWATCH_WARN_REMINDER_INTERVAL_S ?? d.reminderIntervalSeconds,
    reminderMax: env.PROCWATCH_WARN_REMINDER_MAX ?? d.reminderMax,
  });
}
