import { configDefaults, defineConfig } from 'vitest/config';

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
          // The fault suite is its own project (below): minutes, root, namespaces.
          exclude: [...configDefaults.exclude, 'test/system/**', 'test/quick-start.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      // The scripted quick start asserts "dashboard within 30 s of npm start": it runs last, alone,
      // so that first-start database creation does not compete with other heavy suites.
      {
        test: {
          name: 'quick-start',
          root: 'deploy',
          include: ['test/quick-start.test.ts'],
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      // The fault and hostile-input suite (deploy/test/system): real processes broken on purpose, ~8 min,
      // as root. Only with PROCWATCH_SYSTEM_TESTS=1 (npm run test:system), so `npm test` stays fast.
      ...(process.env.PROCWATCH_SYSTEM_TESTS === '1'
        ? [
            {
              test: {
                name: 'system',
                root: 'deploy',
                include: ['test/system/**/*.test.ts'],
                // One scenario at a time: each one loads the 2-core machine on purpose.
                fileParallelism: false,
                testTimeout: 600_000,
                hookTimeout: 300_000,
              },
            },
          ]
        : []),
    ],
  },
});
