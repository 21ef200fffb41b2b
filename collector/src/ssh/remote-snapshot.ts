import { PID_FILE_READ_MAX_BYTES, type PidFileRead } from '@procwatch/shared';
import {
  REMOTE_OUTPUT_MAX_BYTES,
  type RemoteCommandVariant,
  remoteSnapshotCommand,
} from './remote-command.ts';
import { parseRemoteOutput, RemoteOutputError, type RemoteSnapshot } from './remote-output.ts';
import type { SshConnection } from './ssh-connection.ts';
import { SshError } from './ssh-error.ts';

/** A host's processes plus the PID files its monitors name, read over one connection. */
export interface HostSnapshot {
  readonly processes: RemoteSnapshot;
  readonly pidFiles: ReadonlyMap<string, PidFileRead>;
}

/**
 * Runs the fixed command and reads the PID files (SFTP, concurrently with the command). Paths
 * are only ever SFTP request arguments, never command text.
 */
export async function readHostSnapshot(
  connection: SshConnection,
  pidFilePaths: readonly string[],
  options: { timeoutMs: number; variant: RemoteCommandVariant; signal?: AbortSignal },
): Promise<HostSnapshot> {
  const unique = [...new Set(pidFilePaths)];
  const [output, reads] = await Promise.all([
    connection.exec(remoteSnapshotCommand(options.variant), {
      timeoutMs: options.timeoutMs,
      maxBytes: REMOTE_OUTPUT_MAX_BYTES,
      signal: options.signal,
    }),
    Promise.all(
      unique.map((path) =>
        connection.readFile(path, {
          timeoutMs: options.timeoutMs,
          maxBytes: PID_FILE_READ_MAX_BYTES,
          signal: options.signal,
        }),
      ),
    ),
  ]);
  let processes: RemoteSnapshot;
  try {
    processes = parseRemoteOutput(output.stdout);
  } catch (error) {
    if (!(error instanceof RemoteOutputError)) throw error;
    const stderr = output.stderr.trim().split('\n')[0]?.slice(0, 200);
    throw new SshError(
      'output',
      `unexpected output from ${connection.target.label}: ${error.message}` +
        `${output.exitCode ? ` (exit code ${output.exitCode})` : ''}${stderr ? `; stderr: ${stderr}` : ''}`,
    );
  }
  return { processes, pidFiles: new Map(unique.map((path, i) => [path, reads[i]!])) };
}
