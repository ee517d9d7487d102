import { defineProject } from 'vitest/config';
import { alias } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: {
    name: 'example-cross-region-eventbridge',
    include: ['test/**/*.test.{ts,mjs}'],
    testTimeout: 30_000,
  },
});
