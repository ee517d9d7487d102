/** The KCL lease table's items read as streamshare checkpoints: pure functions, no I/O. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kclCheckpoint, parseLeaseKey, readKclItem } from '../src/kcl/kcl-lease.js';
import { planImport } from '../src/kcl/kcl-plan.js';

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });
/** The stream imported, as it is now (created at epoch 1700000000, what DescribeStreamSummary tells the CLI). */
const stream = { account: '999900009999', streamName: 'orders', creationEpoch: 1700000000 };

function lease(item: Record<string, AttributeValue>) {
  const read = readKclItem(item);
  if (read.kind !== 'lease') throw new Error(`not a lease: ${read.reason}`);
  return read.lease;
}

describe('readKclItem', () => {
  it('reads a KCL 2.x single-stream lease: owner, counter, checkpoint, sub-sequence, parents (string set), children', () => {
    expect(
      lease({
        leaseKey: S('shardId-000000000002'),
        leaseOwner: S('worker-a'),
        leaseCounter: N(41),
        checkpoint: S('49590338271490256608559692538361571095921575989136588898'),
        checkpointSubSequenceNumber: N(3),
        ownerSwitchesSinceCheckpoint: N(1),
        parentShardId: { SS: ['shardId-000000000001', 'shardId-000000000000'] },
        childShardIds: { SS: ['shardId-000000000004'] },
        startingHashKey: S('0'),
        endingHashKey: S('170141183460469231731687303715884105727'),
      }),
    ).toEqual({
      leaseKey: 'shardId-000000000002',
      stream: undefined,
      shardId: 'shardId-000000000002',
      owner: 'worker-a',
      counter: 41,
      checkpoint: '49590338271490256608559692538361571095921575989136588898',
      subSequenceNumber: 3,
      pendingCheckpoint: undefined,
      ownerSwitchesSinceCheckpoint: 1,
      parentShardIds: ['shardId-000000000000', 'shardId-000000000001'],
      childShardIds: ['shardId-000000000004'],
    });
  });

  it('reads a multi-stream key account:streamName:creationEpoch:shardId', () => {
    expect(parseLeaseKey('999900009999:orders:1700000000:shardId-000000000001')).toEqual({
      stream: { account: '999900009999', streamName: 'orders', creationEpoch: 1700000000 },
      shardId: 'shardId-000000000001',
    });
    expect(parseLeaseKey('shardId-000000000001')).toEqual({ stream: undefined, shardId: 'shardId-000000000001' });
    expect(parseLeaseKey('a:b:c')).toBeUndefined();
    expect(parseLeaseKey('99990000999:orders:1700000000:shardId-1')).toBeUndefined();
    expect(parseLeaseKey('')).toBeUndefined();
  });

  it('skips what is not a lease: KCL 3.x entityType items, items without leaseKey, keys of no known form', () => {
    expect(readKclItem({ leaseKey: S('x'), entityType: S('WORKER_METRICS') })).toEqual({
      kind: 'not-a-lease',
      key: 'x',
      reason: 'a KCL 3.x "WORKER_METRICS" item (entityType), not a lease',
    });
    expect(readKclItem({ leaseKey: S('shardId-1'), entityType: S('LEASE') }).kind).toBe('lease');
    expect(readKclItem({ key: S('Leader') })).toEqual({
      kind: 'not-a-lease',
      key: '{key}',
      reason: 'no leaseKey: not a KCL lease',
    });
    expect(readKclItem({ leaseKey: S('1:2') }).kind).toBe('not-a-lease');
  });

  it('never throws, whatever the attribute types', () => {
    const value = fc.oneof(
      fc.record({ S: fc.string() }),
      fc.record({ N: fc.string() }),
      fc.record({ SS: fc.array(fc.string()) }),
      fc.record({ BOOL: fc.boolean() }),
      fc.record({ L: fc.array(fc.record({ S: fc.string() })) }),
    ) as fc.Arbitrary<AttributeValue>;
    const names = fc.constantFrom(
      'leaseKey',
      'leaseOwner',
      'leaseCounter',
      'checkpoint',
      'checkpointSubSequenceNumber',
      'parentShardId',
      'entityType',
      'pendingCheckpoint',
    );
    fc.assert(
      fc.property(fc.dictionary(names, value), (item) => {
        const read = readKclItem(item);
        if (read.kind === 'lease') kclCheckpoint(read.lease);
      }),
    );
  });
});

describe('kclCheckpoint', () => {
  const base = { leaseKey: 'shardId-1' } as const;
  const of = (checkpoint: string | undefined, sub?: number) =>
    kclCheckpoint(
      lease({
        ...base,
        leaseKey: S('shardId-1'),
        ...(checkpoint === undefined ? {} : { checkpoint: S(checkpoint) }),
        ...(sub === undefined ? {} : { checkpointSubSequenceNumber: N(sub) }),
      }),
    );

  it('keeps TRIM_HORIZON, LATEST and SHARD_END', () => {
    for (const kind of ['TRIM_HORIZON', 'SHARD_END'] as const) {
      expect(of(kind, 0)).toEqual({ kind: 'checkpoint', checkpoint: { kind } });
    }
    expect(of('LATEST', 0)).toMatchObject({
      kind: 'checkpoint',
      checkpoint: { kind: 'LATEST' },
      note: expect.stringContaining('skipped'),
    });
  });

  it('a sequence number resumes at its record, skipping the user records done (complete: false)', () => {
    expect(of('4959', 0)).toEqual({
      kind: 'checkpoint',
      checkpoint: { sequenceNumber: '4959', subSequenceNumber: 0, complete: false },
    });
    expect(of('4959', 7)).toEqual({
      kind: 'checkpoint',
      checkpoint: { sequenceNumber: '4959', subSequenceNumber: 7, complete: false },
      note: 'KPL aggregate: user records 0..7 done',
    });
    expect(of('4959')).toMatchObject({ checkpoint: { subSequenceNumber: 0 } });
  });

  it('AT_TIMESTAMP (no time in the table), none and garbage are not imported, with the reason', () => {
    expect(of('AT_TIMESTAMP', 0)).toMatchObject({
      kind: 'none',
      reason: expect.stringContaining('--at-timestamp TIME'),
    });
    expect(
      kclCheckpoint(lease({ leaseKey: S('shardId-1'), checkpoint: S('AT_TIMESTAMP') }), 1_709_100_900_000),
    ).toEqual({
      kind: 'checkpoint',
      checkpoint: { kind: 'AT_TIMESTAMP', timestampMs: 1_709_100_900_000 },
    });
    expect(of(undefined)).toEqual({ kind: 'none', reason: 'no checkpoint in the KCL lease' });
    expect(of('12ab')).toMatchObject({ kind: 'none', reason: expect.stringContaining('"12ab"') });
    expect(of('12', -1)).toMatchObject({ kind: 'none' });
  });
});

describe('planImport', () => {
  const seeded: Record<string, AttributeValue>[] = [
    {
      leaseKey: S('999900009999:orders:1700000000:shardId-000000000000'),
      checkpoint: S('100'),
      checkpointSubSequenceNumber: N(0),
    },
    { leaseKey: S('999900009999:orders:1600000000:shardId-000000000000'), checkpoint: S('999') },
    { leaseKey: S('111122223333:orders:1700000000:shardId-000000000000'), checkpoint: S('5') },
    { leaseKey: S('999900009999:orders:1700000000:shardId-000000000001'), checkpoint: S('AT_TIMESTAMP') },
    {
      leaseKey: S('999900009999:orders:1700000000:shardId-000000000002'),
      checkpoint: S('SHARD_END'),
      pendingCheckpoint: S('77'),
    },
    { leaseKey: S('m'), entityType: S('WORKER_METRICS') },
  ];
  const items = seeded.map((item) => readKclItem(item));

  it('picks the stream by account and name, the creation epoch of the stream as it is now; skips the rest with reasons', () => {
    const plan = planImport(items, stream, new Map([['shardId-000000000002', { kind: 'SHARD_END' as const }]]));
    expect(plan.rows.map((r) => [r.shardId, r.action, r.next, r.reason?.slice(0, 12)])).toEqual([
      ['shardId-000000000000', 'write', { sequenceNumber: '100', subSequenceNumber: 0, complete: false }, undefined],
      ['shardId-000000000001', 'skip', undefined, 'AT_TIMESTAMP'],
      ['shardId-000000000002', 'unchanged', { kind: 'SHARD_END' }, undefined],
    ]);
    expect(plan.rows[2]!.notes).toEqual(['pending checkpoint 77 ignored (prepared, never committed)']);
    expect(plan.skipped.map((s) => [s.key, s.reason.split(' (')[0]])).toEqual([
      ['111122223333:orders:1700000000:shardId-000000000000', 'a lease of another stream'],
      ['m', 'a KCL 3.x "WORKER_METRICS" item'],
      ['999900009999:orders:1600000000:shardId-000000000000', 'an earlier stream of the same name'],
    ]);
  });

  it('says when the import moves a streamshare checkpoint back', () => {
    const plan = planImport(
      items,
      stream,
      new Map([['shardId-000000000000', { sequenceNumber: '200', subSequenceNumber: 0, complete: true }]]),
    );
    expect(plan.rows[0]).toMatchObject({ action: 'write', notes: ['moves the streamshare checkpoint back'] });
  });
});
