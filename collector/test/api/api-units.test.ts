import { describe, expect, it } from 'vitest';
import { generateAgentToken, parseAgentToken } from '../../src/auth/agent-token.ts';
import { AuthFailureLimiter } from '../../src/auth/auth-failure-limiter.ts';
import { bearerToken, matchesHash } from '../../src/auth/secrets.ts';
import { pgArray } from '../../src/ingest/pg-array.ts';
import { decodeHistoryCursor, encodeHistoryCursor } from '../../src/queries/history.ts';

describe('pgArray', () => {
  it('quotes every element so separators and quotes are data', () => {
    expect(pgArray([1, null, 'a,b', 'say "hi"', 'back\\slash', '{}', true])).toBe(
      '{1,NULL,"a,b","say \\"hi\\"","back\\\\slash","{}",true}',
    );
    expect(pgArray([])).toBe('{}');
  });
});

describe('tokens', () => {
  it('makes agent tokens that parse back and never contain the separator in the id', () => {
    for (let i = 0; i < 50; i += 1) {
      const token = generateAgentToken();
      const parsed = parseAgentToken(token.token);
      expect(parsed?.tokenId).toBe(token.tokenId);
      expect(matchesHash(parsed!.secret, token.secretHash)).toBe(true);
      expect(matchesHash(`${parsed!.secret}x`, token.secretHash)).toBe(false);
    }
    expect(parseAgentToken('pwa_0123_abc')).toBeUndefined();
    expect(parseAgentToken('')).toBeUndefined();
  });

  it('reads bearer tokens only from a well-formed header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('auth failure limiter', () => {
  it('refuses an address over its budget until its failures leave the window', () => {
    const limiter = new AuthFailureLimiter({ limit: 3, windowMs: 10_000 });
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.retryAfterSeconds('a', 1000 + i)).toBe(0);
      limiter.recordFailure('a', 1000 + i);
    }
    expect(limiter.retryAfterSeconds('a', 2000)).toBe(9);
    expect(limiter.retryAfterSeconds('b', 2000)).toBe(0);
    expect(limiter.retryAfterSeconds('a', 11_001)).toBe(0);
  });

  it('forgets the oldest addresses beyond its cap', () => {
    const limiter = new AuthFailureLimiter({ limit: 1, windowMs: 10_000, maxAddresses: 2 });
    limiter.recordFailure('a', 0);
    limiter.recordFailure('b', 0);
    limiter.recordFailure('c', 0);
    expect(limiter.retryAfterSeconds('a', 1)).toBe(0);
    expect(limiter.retryAfterSeconds('c', 1)).toBeGreaterThan(0);
  });
});

describe('history cursor', () => {
  it('round-trips and refuses anything else', () => {
    const cursor = encodeHistoryCursor({ checkedAt: '2026-01-05T01:00:00.000Z', id: 42 });
    expect(decodeHistoryCursor(cursor)).toEqual({ checkedAt: '2026-01-05T01:00:00.000Z', id: 42 });
    for (const bad of [
      '',
      'x',
      '!!!',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["2026-01-05",1]').toString('base64url'),
      Buffer.from('["2026-01-05T01:00:00.000Z",-1]').toString('base64url'),
    ]) {
      expect(decodeHistoryCursor(bad)).toBeUndefined();
    }
  });
});
