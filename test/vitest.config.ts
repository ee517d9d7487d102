import { defineProject } from 'vitest/config';
import { alias } from '../vitest.shared.js';

export default defineProject({
  // Tests import the packages' sources directly (test/real-world-events), so they need no build.
  resolve: { alias },
  test: {
    // Checks of the repository as a whole: runtimes named in templates, Dockerfile, engines and
    // docs; the `streamshare` bin as npm links it in a clone; the real-world payloads of
    // ../shared/real-world-events through the public API.
    name: 'repo',
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
