import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a secret kept in a file (trimmed), or undefined when the file does not exist. */
export function readSecretFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a secret to a file only its owner can read (mode 0600), creating the directory. */
export function writeSecretFile(path: string, secret: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
}

/** The secret in `path`, generated (32 random bytes, base64url) and stored on first use. */
export function ensureSecretFile(path: string): { secret: string; created: boolean } {
  const existing = readSecretFile(path);
  if (existing) return { secret: existing, created: false };
  const secret = randomBytes(32).toString('base64url');
  writeSecretFile(path, secret);
  return { secret, created: true };
}
