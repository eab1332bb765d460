import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'operator/**/*.test.ts',
            'runner/**/*.test.ts',
            'test/unit/**/*.test.ts',
            'test/bench/**/*.test.ts',
          ],
          environment: 'node',
          // Unit tests assert behaviour, never speed (make bench measures that). The property tests
          // take about a second each alone; with every worker busy on a 2-core machine (and e2e
          // beside them) they were seen passing the 5 s default.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One cluster for the whole run; files run in parallel, each in its own namespace.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        test: {
          // Run by hack/chaos.sh (make test-chaos, make chaos) on a cluster of its own.
          name: 'chaos',
          include: ['test/chaos/**/*.chaos.test.ts'],
          environment: 'node',
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
