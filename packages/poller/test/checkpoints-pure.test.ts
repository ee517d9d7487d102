/** The checkpoint tools' pure parts: the --to values, liveness from two reads, the table layout. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { livenessOf } from '../src/admin/liveness.js';
import { parseSetTarget } from '../src/admin/set-target.js';
import { ageText, formatTable } from '../src/admin/shard-row.js';

describe('parseSetTarget', () => {
  it('reads trim-horizon, latest, ISO-8601 times and sequence numbers', () => {
    expect(parseSetTarget('trim-horizon')).toEqual({ checkpoint: { kind: 'TRIM_HORIZON' } });
    expect(parseSetTarget(' TRIM_HORIZON ')).toEqual({ checkpoint: { kind: 'TRIM_HORIZON' } });
    expect(parseSetTarget('Latest')).toEqual({ checkpoint: { kind: 'LATEST' } });
    expect(parseSetTarget('2024-02-28T06:15:00Z')).toEqual({
      checkpoint: { kind: 'AT_TIMESTAMP', timestampMs: Date.UTC(2024, 1, 28, 6, 15) },
    });
    expect(parseSetTarget('2024-02-28T06:15:00+01:00')).toEqual({
      checkpoint: { kind: 'AT_TIMESTAMP', timestampMs: Date.UTC(2024, 1, 28, 5, 15) },
    });
    expect(parseSetTarget('49590338271490256608559692538361571095921575989136588898')).toEqual({
      checkpoint: {
        sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        subSequenceNumber: 0,
        complete: true,
      },
    });
  });

  it('refuses anything else with a reason naming the value (never throws)', () => {
    expect(parseSetTarget('2024-02-30')).toEqual({ reason: expect.stringContaining('2024-02 has no day 30') });
    expect(parseSetTarget('shard-end')).toEqual({ reason: expect.stringContaining('"shard-end"') });
    expect(parseSetTarget('1'.repeat(129))).toHaveProperty('reason');
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseSetTarget(text);
        expect('checkpoint' in parsed || 'reason' in parsed).toBe(true);
      }),
    );
  });
});

describe('livenessOf', () => {
  const lease = (key: string, owner: string | undefined, counter: number) => ({ key, owner, counter });

  it('live: an owner whose counter moved (or a lease taken in between); not live: still, or released', () => {
    const first = [lease('a', 'w1', 5), lease('b', 'w2', 9), lease('c', 'w3', 1), lease('d', undefined, 0)];
    const second = [
      lease('a', 'w1', 6),
      lease('b', 'w2', 9),
      lease('c', undefined, 2),
      lease('d', 'w4', 1),
      lease('e', 'w5', 1),
    ];
    const { live, before } = livenessOf(first, second);
    expect(live.map((l) => l.key)).toEqual(['a', 'd', 'e']);
    expect(before.get('a')).toBe(5);
  });
});

describe('table layout', () => {
  it('ages in the largest units that fit', () => {
    expect([undefined, -5, 0, 59_999, 60_000, 3_599_000, 3_600_000, 90_000_000].map(ageText)).toEqual([
      '-',
      '0s',
      '0s',
      '59s',
      '1m00s',
      '59m59s',
      '1h00m',
      '1d01h',
    ]);
  });

  it('left-aligned columns, no trailing spaces', () => {
    expect(
      formatTable(
        ['A', 'BB'],
        [
          ['xxx', 'y'],
          ['z', ''],
        ],
      ),
    ).toBe('A    BB\nxxx  y\nz\n');
  });
});
