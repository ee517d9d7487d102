import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    // Checks of the repository as a whole: runtimes named in templates, Dockerfile, engines and
    // docs; the `streamshare` bin as npm links it in a clone.
    name: 'repo',
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
