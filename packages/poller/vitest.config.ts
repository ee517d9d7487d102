import { defineProject } from 'vitest/config';
import { alias } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: {
    name: 'poller',
    include: ['test/**/*.test.ts'],
    // One kinesis-mock for the whole project run (inject('kinesisEndpoint')).
    globalSetup: ['../testkit/src/vitest/kinesis-global-setup.ts'],
    // After every test: no memoryLogger line repeats a key (test/helpers/log-shape-setup.ts).
    setupFiles: ['./test/helpers/log-shape-setup.ts'],
    // kinesis-mock is slow and the machine small: one test file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
