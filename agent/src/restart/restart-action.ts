import { execFile } from 'node:child_process';
import { z } from 'zod';

/** A systemd unit name: letters, digits and `:-_.@\` only, with a unit suffix; never an option. */
export const SystemdUnitSchema = z
  .string()
  .max(256)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9:_.@\\-]*\.(service|socket|target|timer|path|mount)$/,
    'must be a systemd unit name such as "md-gateway.service"',
  );

/** One named restart action in the agent's config: a fixed argv (absolute program path) or a systemd unit. */
export const RestartActionSchema = z.union([
  z.strictObject({
    argv: z
      .array(z.string().min(1).max(4096))
      .min(1, 'must name the program')
      .max(64)
      .refine((a) => a[0]?.startsWith('/'), 'argv[0] must be an absolute path')
      .refine((a) => a.every((x) => !x.includes('\u0000')), 'must not contain NUL characters'),
  }),
  z.strictObject({ systemd_unit: SystemdUnitSchema }),
]);
/** A restart action from the agent's config. */
export type RestartAction = z.infer<typeof RestartActionSchema>;

/** Where `systemctl` is looked up: a fixed path, not $PATH. */
export const SYSTEMCTL = '/usr/bin/systemctl';

/** The argv an action runs: never through a shell. */
export function actionArgv(action: RestartAction): readonly [string, ...string[]] {
  if ('systemd_unit' in action) return [SYSTEMCTL, 'restart', '--', action.systemd_unit];
  const [program, ...args] = action.argv;
  if (program === undefined) throw new Error('restart action without a program');
  return [program, ...args];
}

/** How one run of an action ended. */
export interface ActionOutcome {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why it failed (exit code or signal, timeout, and the end of stderr), or null. */
  readonly message: string | null;
}

/** Runs an action with execFile (no shell), killing it after `timeoutMs`. Never throws. */
export function runRestartAction(
  action: RestartAction,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ActionOutcome> {
  const [program, ...args] = actionArgv(action);
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      program,
      args,
      {
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 256 * 1024,
        signal: options.signal,
        windowsHide: true,
      },
      (error, _stdout, stderr) => {
        const durationMs = Math.round(performance.now() - started);
        if (!error) return resolve({ ok: true, durationMs, message: null });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        let why: string;
        if (e.killed && durationMs >= options.timeoutMs) why = `timed out after ${options.timeoutMs} ms`;
        else if (typeof e.code === 'number') why = `exited with code ${e.code}`;
        else if (e.signal) why = `killed by ${e.signal}`;
        else why = e.message;
        const tail = String(stderr ?? '')
          .trim()
          .slice(-500);
        resolve({ ok: false, durationMs, message: tail ? `${why}: ${tail}` : why });
      },
    );
  });
}
