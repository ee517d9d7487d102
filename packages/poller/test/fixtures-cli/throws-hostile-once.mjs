// A record handler that throws a null-prototype object the first time it meets each of the first
// three records, then handles them (appended to $CLI_TEST_OUTPUT like the other fixtures).
import { append } from './append.mjs';

const thrown = new Set();
export default async function handle(record) {
  const n = record.data?.i; // JSON records {"i": n}, decoded by the default codec
  if (n < 3 && !thrown.has(n)) {
    thrown.add(n);
    throw Object.create(null);
  }
  await append(record, 'hostile-once');
}
