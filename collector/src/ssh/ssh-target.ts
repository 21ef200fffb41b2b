import type { HostKeyPolicy } from '@procwatch/shared';
import { errorMessage } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database, HostServer } from '../db/schema.ts';
import { HostKeyPinError, parseHostKeyPin, verifyHostKey } from './host-key.ts';
import { trustOnFirstUse } from './host-key-store.ts';
import type { SshTarget } from './ssh-connection.ts';
import { SshError } from './ssh-error.ts';

/** The HostServer fields an SSH check uses. */
export type SshHost = Pick<
  HostServer,
  'id' | 'name' | 'address' | 'ssh_port' | 'ssh_user' | 'ssh_host_key' | 'ssh_host_key_policy'
>;

/** True when the host can be checked over SSH: a pinned key, or trust on first use. */
export function hasSshSettings(host: Pick<SshHost, 'ssh_host_key' | 'ssh_host_key_policy'>): boolean {
  return Boolean(host.ssh_host_key) || host.ssh_host_key_policy === 'TOFU';
}

// ssh2 negotiates the first algorithm both sides offer: a pin of one key type must ask for that type.
const ALGORITHMS_OF_KEY_TYPE: Record<string, readonly string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-dss': ['ssh-dss'],
};

/**
 * How to reach a host and judge its key. Throws {@link SshError} (`host-key-unknown`) when the
 * host has no usable pin and is not set to TOFU: we never connect without a way to verify.
 */
export function sshTargetOf(host: SshHost, defaultUser: string, db: Kysely<Database>): SshTarget {
  const label = `${host.name} (${host.address}:${host.ssh_port})`;
  const policy: HostKeyPolicy = host.ssh_host_key_policy;
  const username = host.ssh_user ?? defaultUser;
  const key = [host.id, host.address, host.ssh_port, username, policy, host.ssh_host_key ?? ''].join('|');
  const base = { key, host: host.address, port: host.ssh_port, username, label };
  if (host.ssh_host_key) {
    let pin: ReturnType<typeof parseHostKeyPin>;
    try {
      pin = parseHostKeyPin(host.ssh_host_key);
    } catch (error) {
      const why = error instanceof HostKeyPinError ? error.message : errorMessage(error);
      throw new SshError('host-key-unknown', `the pinned host key of ${label} is unusable: ${why}`);
    }
    return {
      ...base,
      hostKeyAlgorithms: pin.keyType ? ALGORITHMS_OF_KEY_TYPE[pin.keyType] : undefined,
      verifyHostKey: (blob) => verifyHostKey(pin, blob, label),
    };
  }
  if (policy === 'TOFU') {
    return { ...base, verifyHostKey: (blob) => trustOnFirstUse(db, host.id, blob, label) };
  }
  throw new SshError(
    'host-key-unknown',
    `no host key is pinned for ${label} and its policy is PINNED: set ssh_host_key (or the TOFU policy)`,
  );
}
