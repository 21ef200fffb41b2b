// A pinned SSH host key as an operator pastes it into `HostServer.ssh_host_key`:
//   SHA256:<base64 without padding>               what `ssh-keygen -lf` and ssh's prompt print
//   [host]:port ssh-ed25519 AAAA… [comment]       a known_hosts line (hashed host names too)
//   ssh-ed25519 AAAA… [comment]                   a public key (`/etc/ssh/ssh_host_*_key.pub`)
// Parsing is pure (the admin API validates with it); the collector hashes the key blob.

/** A recognised pin: a fingerprint, or a public key with its type and base64 blob. */
export type HostKeyPinText =
  | { readonly kind: 'fingerprint'; readonly fingerprint: string }
  | { readonly kind: 'public-key'; readonly keyType: string; readonly base64: string };

/** Why a pin text was rejected. */
export class HostKeyPinError extends Error {
  override name = 'HostKeyPinError';
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key type written inside an SSH public key blob (its first length-prefixed string). */
function keyTypeInBlob(base64: string): string | undefined {
  let bytes: string;
  try {
    bytes = atob(base64);
  } catch {
    return undefined;
  }
  if (bytes.length < 4) return undefined;
  const length =
    (bytes.charCodeAt(0) << 24) |
    (bytes.charCodeAt(1) << 16) |
    (bytes.charCodeAt(2) << 8) |
    bytes.charCodeAt(3);
  if (length < 1 || length > 64 || bytes.length < 4 + length) return undefined;
  return bytes.slice(4, 4 + length);
}

/**
 * Parses a pinned host key: an `SHA256:` fingerprint, a public key line or a known_hosts line.
 * Throws {@link HostKeyPinError} naming what is wrong.
 */
export function parseHostKeyPinText(text: string): HostKeyPinText {
  const trimmed = text.trim();
  if (trimmed.startsWith('SHA256:')) {
    // ssh-keygen prints 43 characters; tolerate a pasted trailing '='.
    const fingerprint = trimmed.replace(/=$/, '');
    if (!FINGERPRINT.test(fingerprint)) {
      throw new HostKeyPinError('an SHA256 fingerprint has 43 base64 characters after "SHA256:"');
    }
    return { kind: 'fingerprint', fingerprint };
  }
  if (/[\r\n]/.test(trimmed)) throw new HostKeyPinError('give one key, on one line');
  const words = trimmed.split(/\s+/);
  if (words[0]?.startsWith('@'))
    throw new HostKeyPinError('markers such as @cert-authority are not supported');
  const typeAt = words.findIndex((w) => KEY_TYPE.test(w));
  if (typeAt === 0 || typeAt === 1) {
    const keyType = words[typeAt]!;
    const base64 = words[typeAt + 1];
    if (!base64) throw new HostKeyPinError(`the key type ${keyType} is not followed by a key`);
    if (!BASE64.test(base64)) throw new HostKeyPinError('the public key is not base64');
    if (keyTypeInBlob(base64) !== keyType) {
      throw new HostKeyPinError(`the public key's blob does not hold a ${keyType} key`);
    }
    return { kind: 'public-key', keyType, base64 };
  }
  throw new HostKeyPinError('expected SHA256:<fingerprint>, "<type> <base64 key>" or a known_hosts line');
}

/** The problem with a pin text, or null when it is a usable pin (for schema refinements). */
export function hostKeyPinProblem(text: string): string | null {
  try {
    parseHostKeyPinText(text);
    return null;
  } catch (error) {
    if (error instanceof HostKeyPinError) return error.message;
    throw error;
  }
}
