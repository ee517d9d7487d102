import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { DEVIATIONS, EXPECTATIONS } from './expectations.js';
import { describePayloads, listPayloadFiles, PAYLOADS_DIR, readText } from './payloads.js';

// Every payload of the folder has an expectation and a test that names it: a payload added to the
// folder fails here until the suite says what a consumer should do with it.

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The source text of the suite's test files (this one aside). */
function testSources(): string[] {
  return readdirSync(HERE)
    .filter((name) => name.endsWith('.test.ts') && name !== 'coverage.test.ts')
    .map((name) => readFileSync(`${HERE}${name}`, 'utf8'));
}

describePayloads('real-world payloads: every file is covered', () => {
  it(`reads the folder in place (${PAYLOADS_DIR}), which has SOURCES.md`, () => {
    expect(readText('SOURCES.md')).toMatch(/^# Real-world payloads/);
  });

  it('every payload of the folder has an expectation (add it to EXPECTATIONS in expectations.ts)', () => {
    const files = listPayloadFiles().filter((file) => file !== 'SOURCES.md');
    expect(files.length).toBeGreaterThan(0);
    const without = files.filter((file) => EXPECTATIONS[file] === undefined);
    expect(without, 'payloads without an expectation').toEqual([]);
  });

  it('every expectation names a payload that is in the folder', () => {
    const files = new Set(listPayloadFiles());
    expect(Object.keys(EXPECTATIONS).filter((file) => !files.has(file))).toEqual([]);
  });

  it('every payload is named by a test file (so that some test reads it)', () => {
    const sources = testSources();
    const unnamed = Object.keys(EXPECTATIONS).filter((file) => !sources.some((text) => text.includes(`'${file}'`)));
    expect(unnamed, 'payloads no test names').toEqual([]);
  });

  it('every known deviation is used by a test', () => {
    const sources = testSources().join('\n');
    expect(Object.keys(DEVIATIONS).filter((id) => !sources.includes(`'${id}'`))).toEqual([]);
  });
});
