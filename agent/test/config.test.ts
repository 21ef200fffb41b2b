import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentConfigError, loadAgentConfig, readAgentToken } from '../src/config.ts';
import { tmpDir } from './support/tmp.ts';

describe('loadAgentConfig', () => {
  it('reads the file, resolves relative paths against it, and applies env overrides', () => {
    using dir = tmpDir();
    const path = join(dir.path, 'agent.json');
    writeFileSync(
      path,
      JSON.stringify({
        collector: { urls: ['http://a:8080'], token_file: 'agent.token' },
        state_dir: 'state',
      }),
    );
    writeFileSync(join(dir.path, 'agent.token'), 'file-token-0123456789\n');
    const config = loadAgentConfig({ configPath: path, env: {} });
    expect(config).toMatchObject({
      configPath: path,
      stateDir: join(dir.path, 'state'),
      spool: {
        dir: join(dir.path, 'state', 'spool'),
        maxBytes: 256 * 1024 * 1024,
        maxAgeMs: 7 * 24 * 3600_000,
      },
      logLevel: 'info',
      lister: 'auto',
    });
    expect(config.collector && readAgentToken(config.collector)).toBe('file-token-0123456789');
    expect(Object.isFrozen(config)).toBe(true);

    const env = loadAgentConfig({
      configPath: path,
      env: {
        PROCWATCH_COLLECTOR_URLS: 'http://b:1, https://c:2',
        PROCWATCH_AGENT_TOKEN: 'env-token-0123456789',
        PROCWATCH_LOG_LEVEL: 'debug',
      },
    });
    expect(env.collector?.urls).toEqual(['http://b:1', 'https://c:2']);
    expect(env.collector && readAgentToken(env.collector)).toBe('env-token-0123456789');
    expect(env.logLevel).toBe('debug');
  });

  it('names the file and field of every problem', () => {
    using dir = tmpDir();
    const path = join(dir.path, 'agent.json');
    writeFileSync(path, JSON.stringify({ collector: { urls: [], token: 'x' }, spool: { max_byte: 1 } }));
    let message = '';
    try {
      loadAgentConfig({ configPath: path, env: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(AgentConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain(`${path}: collector.urls: must list at least one URL`);
    expect(message).toContain(`${path}: collector.token: must be at least 16 characters`);
    expect(message).toMatch(new RegExp(`${path}: spool: .*max_byte`));
    writeFileSync(path, '{ not json');
    expect(() => loadAgentConfig({ configPath: path, env: {} })).toThrow(/not valid JSON/);
    expect(() => loadAgentConfig({ configPath: join(dir.path, 'missing.json'), env: {} })).toThrow(
      /cannot read/,
    );
    expect(() => loadAgentConfig({ configPath: path, env: { PROCWATCH_LOG_LEVEL: 'loud' } })).toThrow(
      /environment: PROCWATCH_LOG_LEVEL/,
    );
  });
});
