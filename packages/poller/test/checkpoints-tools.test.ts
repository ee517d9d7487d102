/**
 * `streamshare checkpoints list|set`, run in process (runCli) against dynalite and checkpoint
 * directories: the listing of both stores, replay and skip, the refusal while a live worker holds a
 * lease (or a process holds the directory), and --force fencing the worker through the lease counter.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Checkpoint, FileCheckpointStore } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { LeaseTable } from '../src/leases/lease-table.js';
import { createKclTable, runTool, toolTestEnv } from './helpers/tool-cli.js';
import { STREAM_ARN, shardId, uniqueTableName } from './leases-support.js';

const env = toolTestEnv('streamshare-checkpoints');

/** `checkpoints set` of STREAM_ARN in a lease table, or in a checkpoint directory, with more flags. */
const setInTable = (name: string, ...flags: string[]) => [
  'checkpoints',
  'set',
  '--lease-table',
  name,
  '--stream-arn',
  STREAM_ARN,
  ...flags,
];
const setInDir = (dir: string, ...flags: string[]) => [
  'checkpoints',
  'set',
  '--checkpoint-dir',
  dir,
  '--stream-arn',
  STREAM_ARN,
  ...flags,
];

const position = (sequenceNumber: string): Checkpoint => ({ sequenceNumber, subSequenceNumber: 0, complete: true });

/** A lease table with two shards: shard 0 taken by worker w1 with a checkpoint, shard 1 free. */
async function seededTable(): Promise<{ table: LeaseTable; name: string; counter: number }> {
  const name = uniqueTableName('ckpt');
  const table = new LeaseTable({ client: env.client, tableName: name });
  await table.ensure(true);
  await table.createLease(STREAM_ARN, shardId(0), []);
  await table.createLease(STREAM_ARN, shardId(1), [shardId(0)]);
  const observed = await table.get(STREAM_ARN, shardId(0));
  const taken = await table.take(observed!, 'w1');
  expect(taken).toBeDefined();
  expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'w1', taken!.counter, position('4950'))).toBe(true);
  return { table, name, counter: taken!.counter };
}

/** Renews w1's lease every 100 ms, as a live worker does. */
function keepRenewing(table: LeaseTable, from: number): { counter: () => number } {
  let counter = from;
  env.timers.push(
    setInterval(() => {
      void table.renew(STREAM_ARN, shardId(0), 'w1', counter).then((ok) => {
        if (ok) counter += 1;
      });
    }, 100),
  );
  return { counter: () => counter };
}

describe('streamshare checkpoints list', () => {
  it('lease table: per stream and shard, the checkpoint, the owner, the lease age and counter; --json too', async () => {
    const { name, counter } = await seededTable();
    const table = await runTool(['checkpoints', 'list', '--lease-table', name], env.work);
    expect(table.err).toBe('');
    expect(table.code).toBe(0);
    const lines = table.out.trim().split('\n');
    expect(lines[0]).toMatch(/^STREAM\s+SHARD\s+CHECKPOINT\s+OWNER\s+LEASE AGE\s+COUNTER$/);
    expect(lines[1]).toMatch(new RegExp(`${STREAM_ARN}\\s+${shardId(0)}\\s+4950/0\\s+w1\\s+\\d+s\\s+${counter}$`));
    expect(lines[2]).toMatch(new RegExp(`${shardId(1)}\\s+-\\s+-\\s+-\\s+0$`));

    const json = await runTool(
      ['checkpoints', 'list', '--lease-table', name, '--stream-arn', STREAM_ARN, '--json'],
      env.work,
    );
    const rows = JSON.parse(json.out) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    const first = rows.find((r) => r.shardId === shardId(0))!;
    expect(first).toMatchObject({ owner: 'w1', leaseCounter: counter, checkpoint: position('4950'), finished: false });
    expect(typeof first.leaseAgeMs).toBe('number');
    expect(rows.find((r) => r.shardId === shardId(1))).toMatchObject({
      owner: null,
      checkpoint: null,
      parentShardIds: [shardId(0)],
    });
  });

  it('checkpoint directory: every stream of the directory, with the process holding its lock', async () => {
    const dir = join(env.work, 'list-dir');
    const store = new FileCheckpointStore({ directory: dir });
    const other = 'arn:aws:kinesis:eu-west-1:111122223333:stream/other';
    await store.put(STREAM_ARN, shardId(0), position('100'));
    await store.put(STREAM_ARN, shardId(1), { kind: 'SHARD_END' });
    await store.put(other, shardId(0), { kind: 'AT_TIMESTAMP', timestampMs: Date.UTC(2024, 1, 28, 6, 15) });
    const held = await runTool(['checkpoints', 'list', '--checkpoint-dir', dir], env.work);
    expect(held.code).toBe(0);
    expect(held.out).toContain(`pid ${process.pid} on`);
    expect(held.out).toMatch(new RegExp(`${STREAM_ARN}\\s+${shardId(1)}\\s+SHARD_END`));
    expect(held.out).toMatch(new RegExp(`${other}\\s+${shardId(0)}\\s+AT_TIMESTAMP 2024-02-28T06:15:00.000Z`));
    await store.close();
    const free = await runTool(
      ['checkpoints', 'list', '--checkpoint-dir', dir, '--stream-arn', STREAM_ARN, '--json'],
      env.work,
    );
    const rows = JSON.parse(free.out) as Record<string, unknown>[];
    expect(rows.map((r) => [r.shardId, r.owner])).toEqual([
      [shardId(0), null],
      [shardId(1), null],
    ]);
  });
});

describe('streamshare checkpoints set: lease table', () => {
  it('refuses while a live worker holds the lease, naming the worker and the lease age; nothing is written', async () => {
    const { table, name, counter } = await seededTable();
    keepRenewing(table, counter);
    const run = await runTool(setInTable(name, '--to', 'trim-horizon', '--failover-ms', '600'), env.work);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /refused: a live worker holds the lease of 1 shard\(s\): shardId-000000000000 by worker "w1" \(lease renewed \d+s ago; its counter moved from \d+ to \d+ within 600 ms\)/,
    );
    expect(run.err).toContain('--force');
    const lease = await table.get(STREAM_ARN, shardId(0));
    expect(lease?.checkpoint).toEqual(position('4950'));
    expect(lease?.owner).toBe('w1');
    // Shard 1 was free, but nothing is written when any shard is refused.
    expect((await table.get(STREAM_ARN, shardId(1)))?.checkpoint).toBeUndefined();
  });

  it('--force takes the lease away through the counter: the old owner next checkpoint and renewal are refused', async () => {
    const { table, name, counter } = await seededTable();
    const worker = keepRenewing(table, counter);
    const run = await runTool(
      setInTable(name, '--to', '2024-02-28T06:15:00Z', '--shard', shardId(0), '--failover-ms', '600', '--force'),
      env.work,
    );
    expect(run.err).toContain('watching its lease counter for 600 ms');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(new RegExp(`${shardId(0)}\\s+4950/0\\s+AT_TIMESTAMP 2024-02-28T06:15:00.000Z\\s+w1`));
    for (const t of env.timers.splice(0)) clearInterval(t);
    await new Promise((resolve) => setTimeout(resolve, 150)); // a renewal in flight settles
    const held = worker.counter();
    // The fenced worker still believes it holds the lease with its last counter: refused.
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'w1', held, position('4960'))).toBe(false);
    expect(await table.renew(STREAM_ARN, shardId(0), 'w1', held)).toBe(false);
    const lease = await table.get(STREAM_ARN, shardId(0));
    expect(lease).toMatchObject({
      owner: undefined,
      counter: held + 1,
      checkpoint: { kind: 'AT_TIMESTAMP', timestampMs: Date.UTC(2024, 1, 28, 6, 15) },
      finished: false,
    });
    // The next worker takes the free lease and reads the new checkpoint.
    const next = await table.take(lease!, 'w2');
    expect(next?.checkpoint).toEqual({ kind: 'AT_TIMESTAMP', timestampMs: Date.UTC(2024, 1, 28, 6, 15) });
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'w2', next!.counter, position('10'))).toBe(true);
  });

  it('a stopped worker (owner left, counter still) does not hold it: set replays every shard without --force', async () => {
    const { table, name, counter } = await seededTable();
    const run = await runTool(setInTable(name, '--to', 'trim-horizon', '--failover-ms', '300'), env.work);
    expect(run.err).toContain('watching its lease counter for 300 ms');
    expect(run.code).toBe(0);
    expect(run.out).toContain('set 2 shard(s)');
    expect(await table.get(STREAM_ARN, shardId(0))).toMatchObject({
      checkpoint: { kind: 'TRIM_HORIZON' },
      owner: undefined,
      counter: counter + 1,
    });
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'w1', counter, position('4960'))).toBe(false);
    expect((await table.get(STREAM_ARN, shardId(1)))?.checkpoint).toEqual({ kind: 'TRIM_HORIZON' });
  });

  it('a named shard without a lease item gets one; a sequence number needs exactly one --shard', async () => {
    const { table, name } = await seededTable();
    const made = await runTool(setInTable(name, '--to', '777', '--shard', shardId(5)), env.work);
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    expect(await table.get(STREAM_ARN, shardId(5))).toMatchObject({ checkpoint: position('777'), owner: undefined });
    const bad = await runTool(setInTable(name, '--to', '777'), env.work);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--to: a sequence number belongs to one shard');
  });

  it('a KCL table is not taken for a lease table', async () => {
    const name = uniqueTableName('kcl-shape');
    await createKclTable(env.client, name, []);
    const run = await runTool(['checkpoints', 'list', '--lease-table', name], env.work);
    expect(run.code).toBe(1);
    expect(run.err).toContain('it looks like a KCL lease table: use streamshare import kcl --table');
  });
});

describe('streamshare checkpoints set: checkpoint directory', () => {
  it('sets checkpoints backwards (a replay) and forwards, keeping the former files', async () => {
    const dir = join(env.work, 'set-dir');
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM_ARN, shardId(0), position('900'));
    await store.put(STREAM_ARN, shardId(1), position('950'));
    await store.close();
    const run = await runTool(setInDir(dir, '--to', 'TRIM_HORIZON'), env.work);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(new RegExp(`${shardId(0)}\\s+900/0\\s+TRIM_HORIZON\\s+-`));
    expect(run.out).toContain('former file kept as');
    const reread = new FileCheckpointStore({ directory: dir });
    expect(await reread.getAll(STREAM_ARN)).toEqual({
      [shardId(0)]: { kind: 'TRIM_HORIZON' },
      [shardId(1)]: { kind: 'TRIM_HORIZON' },
    });
    // The store goes on from there: a forward put is accepted, a poller would read from the start.
    await reread.put(STREAM_ARN, shardId(0), position('5'));
    await reread.close();
    expect(readdirSync(dir).some((n) => n.includes('.before-set-'))).toBe(true);

    const one = await runTool(setInDir(dir, '--to', 'latest', '--shard', shardId(1)), env.work);
    expect(one.code).toBe(0);
    const after = new FileCheckpointStore({ directory: dir });
    expect(await after.getAll(STREAM_ARN)).toEqual({ [shardId(0)]: position('5'), [shardId(1)]: { kind: 'LATEST' } });
  });

  it('refuses while another store holds the directory; --force is not taken for a directory', async () => {
    const dir = join(env.work, 'locked-dir');
    const holder = new FileCheckpointStore({ directory: dir });
    await holder.put(STREAM_ARN, shardId(0), position('900'));
    const run = await runTool(setInDir(dir, '--to', 'trim-horizon'), env.work);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/refused: checkpoint directory .* is in use by/);
    expect(await holder.get(STREAM_ARN, shardId(0))).toEqual(position('900'));
    await holder.close();
    const forced = await runTool(setInDir(dir, '--to', 'trim-horizon', '--force'), env.work);
    expect(forced.code).toBe(2);
    expect(forced.err).toContain('--force is for --lease-table');
  });

  it('usage errors: a bad --to, an unknown subcommand', async () => {
    const bad = await runTool(['checkpoints', 'set', '--stream-arn', STREAM_ARN, '--to', '2024-02-30'], env.work);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      '--to: "2024-02-30" is not trim-horizon, latest, an ISO-8601 time (2024-02 has no day 30',
    );
    const unknown = await runTool(['checkpoints', 'reset'], env.work);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown subcommand "reset"');
  });
});
