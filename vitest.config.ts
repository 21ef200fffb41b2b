import { defineConfig } from 'vitest/config';

// One project per workspace. The machines have 2 cores: keep worker counts low so that
// suites with real child processes, PostgreSQL and sshd stay well inside their deadlines.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { name: 'shared', root: 'shared', include: ['test/**/*.test.ts'] } },
      {
        test: {
          name: 'agent',
          root: 'agent',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'collector',
          root: 'collector',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'deploy',
          root: 'deploy',
          include: ['test/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
