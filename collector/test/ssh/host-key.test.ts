import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HostKeyPinError,
  hostKeyFingerprint,
  parseHostKeyPin,
  verifyHostKey,
} from '../../src/ssh/host-key.ts';
import { generateKey } from '../support/sshd.ts';

const dir = mkdtempSync(join(tmpdir(), 'procwatch-hostkey-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = generateKey(dir, 'a');
const other = generateKey(dir, 'b');
const blob = (publicKey: string) => Buffer.from(publicKey.split(' ')[1]!, 'base64');

describe('host key pins', () => {
  it('computes the fingerprint exactly as ssh-keygen -lf prints it', () => {
    expect(hostKeyFingerprint(blob(key.publicKey))).toBe(key.fingerprint);
  });

  it('accepts a fingerprint, a public key line and a known_hosts line for the same key', () => {
    for (const text of [
      key.fingerprint,
      `${key.publicKey} root@host`,
      `[10.0.0.5]:2222 ${key.publicKey}`,
      `10.0.0.5,trader-01 ${key.publicKey} comment`,
      `|1|abc=|def= ${key.publicKey}`,
    ]) {
      const pin = parseHostKeyPin(text);
      expect(pin.fingerprint).toBe(key.fingerprint);
      expect(verifyHostKey(pin, blob(key.publicKey), 'h').ok).toBe(true);
    }
  });

  it('refuses another key, naming both fingerprints', () => {
    const verdict = verifyHostKey(parseHostKeyPin(key.fingerprint), blob(other.publicKey), 'trader-01');
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.message).toContain('host key mismatch for trader-01');
      expect(verdict.message).toContain(key.fingerprint);
      expect(verdict.message).toContain(other.fingerprint);
    }
  });

  it('rejects text that is not a key', () => {
    for (const bad of [
      '',
      'SHA256:short',
      'hello world',
      'ssh-ed25519',
      'ssh-ed25519 !!!',
      `@revoked * ${key.publicKey}`,
      `ssh-rsa ${key.publicKey.split(' ')[1]}`,
    ]) {
      expect(() => parseHostKeyPin(bad)).toThrow(HostKeyPinError);
    }
  });
});
