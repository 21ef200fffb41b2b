import { createHash } from 'node:crypto';

// A pinned host key, as an operator may paste it into `HostServer.ssh_host_key`:
//   SHA256:<base64 without padding>               what `ssh-keygen -lf` and ssh's prompt print
//   [host]:port ssh-ed25519 AAAA… [comment]       a known_hosts line (hashed host names too)
//   ssh-ed25519 AAAA… [comment]                   a public key (`/etc/ssh/ssh_host_*_key.pub`)
// Comparing fingerprints of the raw key blob covers all three forms.

/** A parsed pin: the fingerprint it stands for, and the key type when the pin names one. */
export interface HostKeyPin {
  readonly fingerprint: string;
  readonly keyType: string | undefined;
}

/** Why a pin text was rejected. */
export class HostKeyPinError extends Error {
  override name = 'HostKeyPinError';
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

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

function pinOfKey(type: string, base64: string): HostKeyPin {
  if (!BASE64.test(base64)) throw new HostKeyPinError('the public key is not base64');
  const blob = Buffer.from(base64, 'base64');
  if (keyTypeOfBlob(blob) !== type) {
    throw new HostKeyPinError(`the public key's blob does not hold a ${type} key`);
  }
  return { fingerprint: hostKeyFingerprint(blob), keyType: type };
}

/**
 * Parses a pinned host key: an `SHA256:` fingerprint, a public key line or a known_hosts line.
 * Throws {@link HostKeyPinError} for anything else (validation at the API boundary uses this too).
 */
export function parseHostKeyPin(text: string): HostKeyPin {
  const trimmed = text.trim();
  if (trimmed.startsWith('SHA256:')) {
    // ssh-keygen prints 43 characters; tolerate a pasted trailing '='.
    const fingerprint = trimmed.replace(/=$/, '');
    if (!FINGERPRINT.test(fingerprint))
      throw new HostKeyPinError('an SHA256 fingerprint has 43 base64 characters');
    return { fingerprint, keyType: undefined };
  }
  if (trimmed.includes('\n')) throw new HostKeyPinError('give one key, on one line');
  const words = trimmed.split(/\s+/);
  // A known_hosts line may start with a marker (@cert-authority/@revoked): not a pin.
  if (words[0]?.startsWith('@'))
    throw new HostKeyPinError('markers such as @cert-authority are not supported');
  const typeAt = words.findIndex((w) => KEY_TYPE.test(w));
  if (typeAt === 0 || typeAt === 1) {
    const base64 = words[typeAt + 1];
    if (!base64) throw new HostKeyPinError('the key type is not followed by a key');
    return pinOfKey(words[typeAt]!, base64);
  }
  throw new HostKeyPinError('expected SHA256:<fingerprint>, "<type> <base64 key>" or a known_hosts line');
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
