import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-demo',
    include: ['test/**/*.test.ts'],
    // The demo runs as a child process on the packages' dist/: build them first (once, under a lock).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
  },
});
