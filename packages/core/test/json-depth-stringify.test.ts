import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan } from '../src/envelope/json-depth.js';
import { stringifyJson, toJsonText } from '../src/envelope/json-stringify.js';

/** `[[[...]]]` nested `depth` levels, built without recursion. */
const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** `{"a":{"a":...1}}` nested `depth` levels. */
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Nesting depth of a JSON value, recursively (for the generated, shallow values only). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce((max: number, child) => Math.max(max, depthOf(child)), 0);
}

describe('jsonNestsDeeperThan', () => {
  it.each([
    ['1', 0, false],
    ['[]', 0, true],
    ['[]', 1, false],
    ['[[1],{"a":{}}]', 3, false],
    ['[[1],{"a":{}}]', 2, true],
    ['"[[[[[[[[[[[["', 0, false],
    ['["\\"[[[[[[[[[["]', 1, false],
    ['["\\\\",[[[[]]]]]', 4, true],
  ])('%s deeper than %i: %s', (text, limit, deeper) => {
    expect(jsonNestsDeeperThan(text, limit)).toBe(deeper);
  });

  it('finds the depth of 100,000 levels in one pass', () => {
    expect(jsonNestsDeeperThan(deepArrays(100_000), 512)).toBe(true);
    expect(jsonNestsDeeperThan(deepObjects(100_000), 99_999)).toBe(true);
    expect(jsonNestsDeeperThan(deepObjects(100_000), 100_000)).toBe(false);
  });

  it('answers exactly at the limit', () => {
    expect(jsonNestsDeeperThan(deepArrays(512), 512)).toBe(false);
    expect(jsonNestsDeeperThan(deepArrays(513), 512)).toBe(true);
    expect(jsonNestsDeeperThan(deepObjects(513), 512)).toBe(true);
  });

  it('counts no bracket inside a string, whatever its escapes', () => {
    const text = JSON.stringify({ s: `\\"${'['.repeat(2_000)}\\\\`, t: ['{'.repeat(2_000)] });
    expect(jsonNestsDeeperThan(text, 1)).toBe(true);
    expect(jsonNestsDeeperThan(text, 2)).toBe(false);
  });

  it('agrees with the depth of any JSON value, at any limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(7), (value, limit) => {
        const text = JSON.stringify(value);
        expect(jsonNestsDeeperThan(text, limit)).toBe(depthOf(value) > limit);
        expect(jsonNestsDeeperThan(JSON.stringify(value, null, 2), limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 500 },
    );
  });

  it('takes linear time on text that is not JSON', () => {
    const started = performance.now();
    expect(typeof jsonNestsDeeperThan(`${'\\'.repeat(500_000)}"${'['.repeat(500_000)}`, 10)).toBe('boolean');
    expect(typeof jsonNestsDeeperThan('"'.repeat(1_000_000), 10)).toBe('boolean');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('stringifyJson', () => {
  it('gives the text of JSON.stringify for any value it can serialize', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withUnicodeString: true,
        }),
        (value) => {
          expect(stringifyJson(value)).toBe(JSON.stringify(value));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it.each<[string, unknown]>([
    ['lone surrogates', ['\ud800', 'a\udfffb', '\ud83d\ude00']],
    ['__proto__ keys', JSON.parse('{"__proto__":{"__proto__":1},"constructor":[]}')],
    ['toJSON with its key', { a: { toJSON: (key: string) => `key ${key}` }, b: [{ toJSON: (key: string) => key }] }],
    ['non-finite numbers and -0', [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 5e-324]],
    ['left-out members', { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('s')] }],
    ['boxed primitives', [Object(1), Object('s'), Object(false), new Date(0)]],
    ['top-level undefined', undefined],
    ['a top-level function', () => 1],
  ])('matches JSON.stringify on %s', (_, value) => {
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  it('throws what JSON.stringify throws: a cycle, a BigInt, a throwing toJSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = [cyclic];
    expect(() => stringifyJson(cyclic)).toThrow(TypeError);
    expect(() => stringifyJson({ n: 1n })).toThrow(TypeError);
    expect(() =>
      stringifyJson({
        toJSON() {
          throw new Error('refused');
        },
      }),
    ).toThrow('refused');
    // The same object twice side by side is not a cycle.
    const shared = { a: 1 };
    expect(stringifyJson([shared, { shared }])).toBe('[{"a":1},{"shared":{"a":1}}]');
  });

  it('serializes 100,000 levels, where JSON.stringify runs out of stack', () => {
    const arrays = JSON.parse(deepArrays(100_000));
    const objects = JSON.parse(deepObjects(100_000));
    expect(() => JSON.stringify(arrays)).toThrow(RangeError);
    expect(stringifyJson(arrays)).toBe(deepArrays(100_000));
    expect(stringifyJson(objects)).toBe(deepObjects(100_000));
    expect(toJsonText(objects)).toBe(deepObjects(100_000));
  });

  it('toJsonText uses the native JSON.stringify when it can', () => {
    expect(toJsonText({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(toJsonText(undefined)).toBeUndefined();
    expect(() => toJsonText(10n)).toThrow(TypeError);
  });
});
