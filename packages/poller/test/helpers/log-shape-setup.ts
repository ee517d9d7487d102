/**
 * Setup file of the poller project: after every test, no line written to a memoryLogger may repeat
 * a key in one object (pino child bindings plus the fields of a call can do that silently; JSON.parse
 * keeps the last, log stores such as Elasticsearch reject the line).
 */
import { afterEach, expect } from 'vitest';
import { takeBadLogLines } from './json-keys.js';

afterEach(() => {
  expect(takeBadLogLines(), 'log lines that repeat a key in one object (or are not JSON)').toEqual([]);
});
