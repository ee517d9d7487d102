/**
 * `streamshare checkpoints set --dry-run`, run in process (runCli) against a checkpoint directory and
 * dynalite: the table of each shard before and after, notes on what the real run checks first, and
 * nothing written (the files and the lease items unchanged).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Checkpoint, FileCheckpointStore } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { planSet } from '../src/admin/set-plan.js';
import type { ShardRow } from '../src/admin/shard-row.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import { runTool, toolTestEnv } from './helpers/tool-cli.js';
import { STREAM_ARN, shardId, uniqueTableName } from './leases-support.js';

const env = toolTestEnv('streamshare-set-dry-run');
const position = (sequenceNumber: string): Checkpoint => ({ sequenceNumber, subSequenceNumber: 0, complete: true });

const row = (shard: string, checkpoint: Checkpoint | undefined, owner?: string): ShardRow => ({
  streamArn: STREAM_ARN,
  shardId: shard,
  checkpoint,
  owner,
  ageMs: owner === undefined ? undefined : 3000,
  counter: undefined,
  finished: false,
  parentShardIds: [],
});

describe('planSet', () => {
  it('each shard before and after; the owner a lease-table write would fence; what may refuse the set', () => {
    const known = [row('a', position('5'), 'w1'), row('b', { kind: 'LATEST' })];
    const writes = ['a', 'b', 'c'].map((shard) => ({ shardId: shard, checkpoint: { kind: 'LATEST' } as Checkpoint }));
    const table = planSet(known, writes, { store: 'lease-table', force: false, failoverMs: 700 });
    expect(table.rows).toEqual([
      { shardId: 'a', before: position('5'), after: { kind: 'LATEST' }, fenced: 'w1' },
      { shardId: 'b', before: { kind: 'LATEST' }, after: { kind: 'LATEST' }, fenced: undefined },
      { shardId: 'c', before: undefined, after: { kind: 'LATEST' }, fenced: undefined },
    ]);
    expect(table.changing).toBe(2);
    expect(table.notes).toEqual([expect.stringMatching(/a \(worker "w1"\).*700 ms.*unless --force/)]);
    expect(planSet(known, writes, { store: 'lease-table', force: true, failoverMs: 700 }).notes).toEqual([
      expect.stringContaining('with --force they are taken away'),
    ]);
    const file = planSet([row('a', position('5'), 'pid 7 on h')], writes.slice(0, 1), {
      store: 'file',
      force: false,
      failoverMs: 700,
    });
    expect(file.rows[0]!.fenced).toBeUndefined();
    expect(file.notes).toEqual([expect.stringContaining('lock names pid 7 on h (refreshed 3s ago): set is refused')]);
    expect(planSet([], [], { store: 'file', force: false, failoverMs: 1 })).toEqual({
      rows: [],
      changing: 0,
      notes: [],
    });
  });
});

describe('streamshare checkpoints set --dry-run', () => {
  it('checkpoint directory: prints the table, writes nothing (no file changed, none kept aside)', async () => {
    const dir = join(env.work, 'dry-dir');
    const store = new FileCheckpointStore({ directory: dir });
    await store.put(STREAM_ARN, shardId(0), position('900'));
    await store.put(STREAM_ARN, shardId(1), position('950'));
    await store.put(STREAM_ARN, shardId(1), position('960'));
    await store.close();
    const files = () => Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
    const before = files();

    const args = ['checkpoints', 'set', '--checkpoint-dir', dir, '--stream-arn', STREAM_ARN, '--to', 'trim-horizon'];
    const run = await runTool([...args, '--dry-run'], env.work);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(new RegExp(`${shardId(0)}\\s+900/0\\s+TRIM_HORIZON\\s+-`));
    expect(run.out).toMatch(new RegExp(`${shardId(1)}\\s+960/0\\s+TRIM_HORIZON\\s+-`));
    expect(run.out).toContain(
      `dry run: nothing written; run again without --dry-run to set 2 shard(s) of ${STREAM_ARN} (2 would change)`,
    );
    expect(files()).toEqual(before);

    const json = await runTool([...args, '--dry-run', '--json', '--shard', shardId(0)], env.work);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({
      dryRun: true,
      streamArn: STREAM_ARN,
      set: [{ shardId: shardId(0), before: position('900'), after: { kind: 'TRIM_HORIZON' }, fencedWorker: null }],
      notes: [],
    });
    expect(files()).toEqual(before);

    // While a process holds the directory, the dry run still prints, and says the set would be refused.
    const holder = new FileCheckpointStore({ directory: dir });
    await holder.lock();
    try {
      const held = await runTool([...args, '--dry-run'], env.work);
      expect(held.code).toBe(0);
      expect(held.out).toMatch(
        /note: the directory's lock names pid \d+ on .*: set is refused while that process runs/,
      );
    } finally {
      await holder.close();
    }
    // Without the flag, set writes as before.
    const real = await runTool(args, env.work);
    expect(real.code).toBe(0);
    expect(await new FileCheckpointStore({ directory: dir }).getAll(STREAM_ARN)).toEqual({
      [shardId(0)]: { kind: 'TRIM_HORIZON' },
      [shardId(1)]: { kind: 'TRIM_HORIZON' },
    });
  });

  it('lease table: names the owner a write would fence, waits for nothing and writes nothing', async () => {
    const name = uniqueTableName('dry');
    const table = new LeaseTable({ client: env.client, tableName: name });
    await table.ensure(true);
    await table.createLease(STREAM_ARN, shardId(0), []);
    const taken = await table.take((await table.get(STREAM_ARN, shardId(0)))!, 'w1');
    expect(await table.putCheckpoint(STREAM_ARN, shardId(0), 'w1', taken!.counter, position('4950'))).toBe(true);
    const lease = await table.get(STREAM_ARN, shardId(0));

    const started = Date.now();
    const run = await runTool(
      ['checkpoints', 'set', '--lease-table', name, '--stream-arn', STREAM_ARN, '--to', 'latest', '--dry-run'],
      env.work,
    );
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    // The failover time (15 s by default) is not waited.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.out).toMatch(new RegExp(`${shardId(0)}\\s+4950/0\\s+LATEST\\s+w1`));
    expect(run.out).toMatch(/note: leases with an owner: .*"w1".*15000 ms/);
    expect(await table.get(STREAM_ARN, shardId(0))).toEqual(lease);
  });
});
