import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRetryable } from '../src/errors/streamshare-error.js';
import { describeThrown, errorFromThrown, readThrownProperty } from '../src/errors/thrown.js';
import { hostileThrownValues } from './fixtures/hostile-thrown.js';

describe('describeThrown and errorFromThrown', () => {
  it('never throw, and always give a non-empty string and an Error, for every hostile value', () => {
    for (const [label, make] of Object.entries(hostileThrownValues)) {
      const value = make();
      const text = describeThrown(value);
      expect(typeof text, label).toBe('string');
      expect(text.length, label).toBeGreaterThan(0);
      const error = errorFromThrown(value);
      expect(error, label).toBeInstanceOf(Error);
      expect(typeof error.message, label).toBe('string');
      expect(() => isRetryable(value), label).not.toThrow();
      expect(() => readThrownProperty(value, 'code'), label).not.toThrow();
    }
  });

  it('keeps what is useful: an Error message with its class name, a string, a primitive', () => {
    expect(describeThrown(new Error('boom'))).toBe('boom');
    expect(describeThrown(new TypeError('bad type'))).toBe('TypeError: bad type');
    expect(describeThrown('plain')).toBe('plain');
    expect(describeThrown(42)).toBe('42');
    expect(describeThrown(undefined)).toBe('undefined');
    expect(describeThrown(Object.create(null))).toBe('a thrown null-prototype object');
    expect(describeThrown({ toString: () => 'custom' })).toBe('custom');
    expect(describeThrown({ message: 'shaped like an error' })).toBe('shaped like an error');
    const original = new Error('kept');
    expect(errorFromThrown(original)).toBe(original);
    expect(errorFromThrown('text').cause).toBe('text');
  });

  it('clips a very long message', () => {
    const text = describeThrown(new Error('x'.repeat(1_000_000)));
    expect(text.length).toBeLessThan(2_100);
    expect(text).toContain('1000000 characters');
  });

  it('never throws for any generated value (fast-check)', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true }), (value) => {
        expect(typeof describeThrown(value)).toBe('string');
        expect(errorFromThrown(value)).toBeInstanceOf(Error);
      }),
      { numRuns: 300 },
    );
  });
});
