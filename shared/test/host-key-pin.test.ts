import { describe, expect, it } from 'vitest';
import { HostKeyPinError, hostKeyPinProblem, parseHostKeyPinText } from '../src/index.ts';

// An ed25519 public key blob (type "ssh-ed25519" + 32 key bytes), as ssh-keygen writes it.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIDcZv9T7kC0n0v2VfPq5z8zYVd9gK8C4p5z1bJ1cX2aB';

describe('parseHostKeyPinText', () => {
  it('recognises fingerprints, public keys and known_hosts lines', () => {
    expect(parseHostKeyPinText(' SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG ')).toEqual({
      kind: 'fingerprint',
      fingerprint: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    });
    for (const text of [
      `ssh-ed25519 ${ED25519}`,
      `ssh-ed25519 ${ED25519} root@h`,
      `[10.0.0.5]:2222 ssh-ed25519 ${ED25519}`,
    ]) {
      expect(parseHostKeyPinText(text)).toEqual({
        kind: 'public-key',
        keyType: 'ssh-ed25519',
        base64: ED25519,
      });
    }
  });

  it('names what is wrong', () => {
    expect(hostKeyPinProblem('SHA256:short')).toMatch(/43 base64 characters/);
    expect(hostKeyPinProblem(`ssh-rsa ${ED25519}`)).toMatch(/does not hold a ssh-rsa key/);
    expect(hostKeyPinProblem('ssh-ed25519 !!!')).toMatch(/not base64/);
    expect(hostKeyPinProblem('hello')).toMatch(/expected SHA256/);
    expect(hostKeyPinProblem(`@cert-authority * ssh-ed25519 ${ED25519}`)).toMatch(/markers/);
    expect(() => parseHostKeyPinText('x')).toThrow(HostKeyPinError);
    expect(hostKeyPinProblem(`ssh-ed25519 ${ED25519}`)).toBeNull();
  });
});
