import { join } from 'node:path';
import { type AttributeValue, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { FileCheckpointStore } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { LeaseTable } from '../src/leases/lease-table.js';
import { createKclTable, importKclArgs, runTool, toolTestEnv } from './helpers/tool-cli.js';
import { uniqueTableName } from './leases-support.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const SEQ = (n: number) => `4959033827149025660855969253836157109592157598913658${String(n).padStart(4, '0')}`;
const shard = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
/** `import kcl` of STREAM from a KCL table, with more flags. */
const importKcl = (table: string, ...flags: string[]) => importKclArgs(table, STREAM, ...flags);
const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

const env = toolTestEnv('streamshare-kcl-import');

/** A KCL lease table holding `items`. */
function kclTable(items: Record<string, AttributeValue>[]): Promise<string> {
  return createKclTable(env.client, uniqueTableName('kcl-app'), items);
}

async function scanAll(name: string): Promise<unknown> {
  const out = await env.client.send(new ScanCommand({ TableName: name, ConsistentRead: true }));
  return (out.Items ?? []).sort((a, b) => (a.leaseKey?.S ?? '').localeCompare(b.leaseKey?.S ?? ''));
}

/** A KCL 2.x single-stream application, stopped: its leases still owned, as it leaves them. */
function singleStreamItems(): Record<string, AttributeValue>[] {
  const common = { ownerSwitchesSinceCheckpoint: N(0) };
  return [
    // A parent shard read to its end.
    {
      leaseKey: S(shard(0)),
      leaseOwner: S('kcl-worker-1'),
      leaseCounter: N(120),
      checkpoint: S('SHARD_END'),
      checkpointSubSequenceNumber: N(0),
      childShardIds: { SS: [shard(2), shard(3)] },
      ...common,
    },
    // Its children: one inside a KPL aggregate (user records 0..4 done), one at a plain record, with a pending checkpoint.
    {
      leaseKey: S(shard(2)),
      leaseOwner: S('kcl-worker-1'),
      leaseCounter: N(77),
      checkpoint: S(SEQ(1)),
      checkpointSubSequenceNumber: N(4),
      parentShardId: { SS: [shard(0)] },
      ...common,
    },
    {
      leaseKey: S(shard(3)),
      leaseOwner: S('kcl-worker-2'),
      leaseCounter: N(80),
      checkpoint: S(SEQ(2)),
      checkpointSubSequenceNumber: N(0),
      parentShardId: { SS: [shard(0)] },
      pendingCheckpoint: S(SEQ(9)),
      pendingCheckpointSubSequenceNumber: N(0),
      ...common,
    },
    // Shards never processed: the initial positions the KCL writes.
    {
      leaseKey: S(shard(4)),
      leaseCounter: N(0),
      checkpoint: S('TRIM_HORIZON'),
      checkpointSubSequenceNumber: N(0),
      ...common,
    },
    {
      leaseKey: S(shard(5)),
      leaseCounter: N(0),
      checkpoint: S('LATEST'),
      checkpointSubSequenceNumber: N(0),
      ...common,
    },
    {
      leaseKey: S(shard(6)),
      leaseCounter: N(0),
      checkpoint: S('AT_TIMESTAMP'),
      checkpointSubSequenceNumber: N(0),
      ...common,
    },
    // KCL 3.x items of the table that are not leases.
    { leaseKey: S('kcl-3x-metadata'), entityType: S('WORKER_METRICS'), someValue: N(1) },
  ];
}

describe('streamshare import kcl', () => {
  it('a dry run prints what would change and writes nothing (neither the store nor the KCL table)', async () => {
    const table = await kclTable(singleStreamItems());
    const before = await scanAll(table);
    const dir = join(env.work, 'dry');
    const run = await runTool(importKcl(table, '--checkpoint-dir', dir, '--failover-ms', '200'), env.work);
    expect(run.code).toBe(0);
    expect(run.err).toContain('watching their leaseCounter for 200 ms');
    const lines = run.out.split('\n');
    expect(lines[0]).toMatch(/^SHARD\s+KCL LEASE KEY\s+KCL CHECKPOINT\s+KCL OWNER\s+NOW\s+AFTER\s+ACTION$/);
    expect(run.out).toMatch(
      new RegExp(`${shard(0)}\\s+${shard(0)}\\s+SHARD_END\\s+kcl-worker-1\\s+-\\s+SHARD_END\\s+write`),
    );
    expect(run.out).toMatch(
      new RegExp(
        `${shard(2)}\\s+${shard(2)}\\s+${SEQ(1)}/4\\s+kcl-worker-1\\s+-\\s+${SEQ(1)}/4 \\(incomplete\\)\\s+write`,
      ),
    );
    expect(run.out).toMatch(new RegExp(`${shard(4)}\\s+.*TRIM_HORIZON\\s+write`));
    expect(run.out).toMatch(new RegExp(`${shard(5)}\\s+.*LATEST\\s+write`));
    expect(run.out).toMatch(new RegExp(`${shard(6)}\\s+.*AT_TIMESTAMP\\s+-\\s+-\\s+-\\s+skip: AT_TIMESTAMP`));
    expect(run.out).toContain(`${shard(2)}: KPL aggregate: user records 0..4 done`);
    expect(run.out).toContain(`${shard(3)}: pending checkpoint ${SEQ(9)} ignored (prepared, never committed)`);
    expect(run.out).toContain('kcl-3x-metadata: a KCL 3.x "WORKER_METRICS" item (entityType), not a lease');
    expect(run.out).toContain('dry run: nothing written; run again with --apply to write 5 checkpoint(s)');
    expect(await new FileCheckpointStore({ directory: dir }).getAll(STREAM)).toEqual({});
    expect(await scanAll(table)).toEqual(before);
  });

  it('--apply writes the checkpoints to a checkpoint directory', async () => {
    const table = await kclTable(singleStreamItems());
    const before = await scanAll(table);
    const dir = join(env.work, 'apply-dir');
    const run = await runTool(importKcl(table, '--checkpoint-dir', dir, '--failover-ms', '200', '--apply'), env.work);
    expect(run.err).not.toContain('refused');
    expect(run.code).toBe(0);
    expect(run.out).toContain('wrote 5 checkpoint(s)');
    expect(await new FileCheckpointStore({ directory: dir }).getAll(STREAM)).toEqual({
      [shard(0)]: { kind: 'SHARD_END' },
      [shard(2)]: { sequenceNumber: SEQ(1), subSequenceNumber: 4, complete: false },
      [shard(3)]: { sequenceNumber: SEQ(2), subSequenceNumber: 0, complete: false },
      [shard(4)]: { kind: 'TRIM_HORIZON' },
      [shard(5)]: { kind: 'LATEST' },
    });
    expect(await scanAll(table)).toEqual(before);
    // Run again: nothing left to change.
    const again = await runTool(importKcl(table, '--checkpoint-dir', dir, '--failover-ms', '100'), env.work);
    expect(again.out).toMatch(new RegExp(`${shard(0)}\\s+.*SHARD_END\\s+SHARD_END\\s+unchanged`));
    expect(again.out).toContain('--apply to write 0 checkpoint(s)');
    // The KCL's AT_TIMESTAMP lease, given the time the application was configured with.
    const at = await runTool(
      importKcl(
        table,
        '--checkpoint-dir',
        dir,
        '--failover-ms',
        '100',
        '--at-timestamp',
        '2024-02-28T06:15:00Z',
        '--apply',
      ),
      env.work,
    );
    expect(at.code).toBe(0);
    expect(at.out).toContain('wrote 1 checkpoint(s)');
    expect(await new FileCheckpointStore({ directory: dir }).get(STREAM, shard(6))).toEqual({
      kind: 'AT_TIMESTAMP',
      timestampMs: Date.UTC(2024, 1, 28, 6, 15),
    });
  });

  it('--apply writes a multi-stream table\u2019s leases of the stream as it is now (--creation-epoch) to a lease table, parents kept', async () => {
    const key = (epoch: number, n: number, account = '999900009999', name = 'orders') =>
      `${account}:${name}:${epoch}:${shard(n)}`;
    const table = await kclTable([
      {
        leaseKey: S(key(1700000000, 0)),
        streamName: S('999900009999:orders:1700000000'),
        shardId: S(shard(0)),
        leaseCounter: N(9),
        checkpoint: S('SHARD_END'),
        checkpointSubSequenceNumber: N(0),
      },
      {
        leaseKey: S(key(1700000000, 1)),
        streamName: S('999900009999:orders:1700000000'),
        shardId: S(shard(1)),
        leaseCounter: N(9),
        checkpoint: S(SEQ(5)),
        checkpointSubSequenceNumber: N(2),
        parentShardId: { SS: [shard(0)] },
      },
      // The stream of the same name deleted before: its checkpoints must not be inherited.
      {
        leaseKey: S(key(1600000000, 1)),
        leaseCounter: N(3),
        checkpoint: S(SEQ(999)),
        checkpointSubSequenceNumber: N(0),
      },
      // Another stream of the application.
      { leaseKey: S(key(1700000000, 0, '111122223333', 'payments')), leaseCounter: N(3), checkpoint: S('LATEST') },
    ]);
    const leaseTable = uniqueTableName('ss-leases');
    const ours = new LeaseTable({ client: env.client, tableName: leaseTable });
    await ours.ensure(true);
    const run = await runTool(
      importKcl(table, '--lease-table', leaseTable, '--creation-epoch', '1700000000', '--apply'),
      env.work,
    );
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain(`${key(1600000000, 1)}: an earlier stream of the same name`);
    expect(run.out).toContain(`${key(1700000000, 0, '111122223333', 'payments')}: a lease of another stream`);
    expect(await ours.get(STREAM, shard(0))).toMatchObject({
      checkpoint: { kind: 'SHARD_END' },
      finished: true,
      owner: undefined,
    });
    expect(await ours.get(STREAM, shard(1))).toMatchObject({
      checkpoint: { sequenceNumber: SEQ(5), subSequenceNumber: 2, complete: false },
      finished: false,
      parentShardIds: [shard(0)],
      owner: undefined,
    });
    expect(await ours.list(STREAM)).toHaveLength(2);
  });

  it('refuses while a KCL worker renews its leases (its leaseCounter moves), naming it; a stopped one does not block', async () => {
    const table = await kclTable(singleStreamItems());
    env.timers.push(
      setInterval(() => {
        void env.client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { leaseKey: S(shard(3)) },
            UpdateExpression: 'ADD leaseCounter :one',
            ExpressionAttributeValues: { ':one': N(1) },
          }),
        );
      }, 100),
    );
    const dir = join(env.work, 'live');
    const run = await runTool(importKcl(table, '--checkpoint-dir', dir, '--failover-ms', '600', '--apply'), env.work);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      new RegExp(
        `refused: KCL workers hold live leases of ${STREAM} in ${table} .*: ${shard(3)} by KCL worker "kcl-worker-2" \\(leaseCounter \\d+ → \\d+\\)`,
      ),
    );
    expect(run.err).toContain('Running beside live KCL workers is not supported');
    expect(await new FileCheckpointStore({ directory: dir }).getAll(STREAM)).toEqual({});
  });

  it('usage: the KCL table is never the target; only kcl is imported; a table that is not a KCL one is refused', async () => {
    const same = await runTool(
      ['import', 'kcl', '--table', 'abc', '--stream-arn', STREAM, '--lease-table', 'abc'],
      env.work,
    );
    expect(same.code).toBe(2);
    expect(same.err).toContain('the KCL table is never written');
    const other = await runTool(['import', 'flink', '--table', 'abc'], env.work);
    expect(other.code).toBe(2);
    const ours = new LeaseTable({ client: env.client, tableName: uniqueTableName('not-kcl') });
    await ours.ensure(true);
    const wrong = await runTool(['import', 'kcl', '--table', ours.tableName, '--stream-arn', STREAM], env.work);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('is not a KCL lease table: its partition key is streamArn');
  });
});
