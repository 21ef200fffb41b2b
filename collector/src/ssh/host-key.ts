import { createHash } from 'node:crypto';
import { HostKeyPinError, parseHostKeyPinText } from '@procwatch/shared';

export { HostKeyPinError };

/** A parsed pin: the fingerprint it stands for, and the key type when the pin names one. */
export interface HostKeyPin {
  readonly fingerprint: string;
  readonly keyType: string | undefined;
}

/** `SHA256:…` of a raw public key blob, exactly as OpenSSH prints it (base64, no padding). */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = keyBlob.readUInt32BE(0);
  if (length > 64 || keyBlob.length < 4 + length) return undefined;
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/**
 * Parses a pinned host key (an `SHA256:` fingerprint, a public key line or a known_hosts line,
 * see `parseHostKeyPinText` in shared) into the fingerprint to compare. Throws {@link HostKeyPinError}.
 */
export function parseHostKeyPin(text: string): HostKeyPin {
  const pin = parseHostKeyPinText(text);
  if (pin.kind === 'fingerprint') return { fingerprint: pin.fingerprint, keyType: undefined };
  return { fingerprint: hostKeyFingerprint(Buffer.from(pin.base64, 'base64')), keyType: pin.keyType };
}

/** What checking a presented key against a pin found. */
export type HostKeyVerdict =
  | { readonly ok: true; readonly fingerprint: string }
  | { readonly ok: false; readonly expected: string; readonly actual: string; readonly message: string };

/** Compares the key a server presented with the pin; the message names both fingerprints. */
export function verifyHostKey(pin: HostKeyPin, presented: Buffer, hostLabel: string): HostKeyVerdict {
  const actual = hostKeyFingerprint(presented);
  if (actual === pin.fingerprint) return { ok: true, fingerprint: actual };
  const type = keyTypeOfBlob(presented) ?? 'unknown type';
  return {
    ok: false,
    expected: pin.fingerprint,
    actual,
    message:
      `host key mismatch for ${hostLabel}: pinned ${pin.fingerprint}, server presented ${actual} (${type}); ` +
      'connection refused before authentication, no command was run',
  };
}

/** Canonical text stored for a key learnt by trust on first use: `<type> <base64>`. */
export function hostKeyText(presented: Buffer): string {
  return `${keyTypeOfBlob(presented) ?? 'unknown'} ${presented.toString('base64')}`;
}
