import { defineProject } from 'vitest/config';
import { alias } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: {
    name: 'testkit',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Hooks create streams on kinesis-mock, which is slow on a loaded machine.
    hookTimeout: 60_000,
    globalSetup: ['src/vitest/kinesis-global-setup.ts'],
  },
});
