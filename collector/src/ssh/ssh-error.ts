/** What went wrong in an SSH check; the kind decides logging and whether a pooled connection survives. */
export type SshErrorKind =
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'connect'
  | 'auth'
  | 'timeout'
  | 'channel'
  | 'output'
  | 'aborted'
  | 'not-configured';

/** A failed SSH check step; `message` is what lands in a sample's `error_message`. */
export class SshError extends Error {
  override name = 'SshError';

  constructor(
    readonly kind: SshErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for errors that leave the connection unusable (a fresh one is needed next time). */
export function isConnectionFatal(error: unknown): boolean {
  if (!(error instanceof SshError)) return true;
  switch (error.kind) {
    case 'output':
    case 'aborted':
      return false;
    case 'host-key-mismatch':
    case 'host-key-unknown':
    case 'connect':
    case 'auth':
    case 'timeout':
    case 'channel':
    case 'not-configured':
      return true;
    default:
      return error.kind satisfies never;
  }
}
