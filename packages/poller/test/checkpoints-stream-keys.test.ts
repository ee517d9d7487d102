/**
 * The checkpoint tools on the stream-qualified keys of a poller of several streams
 * (`<streamArn>:<creation epoch>`), against kinesis-mock (the stream's creation time, as
 * DescribeStreamSummary tells it) and dynalite or a checkpoint directory: `checkpoints list|set
 * --stream-arn` find the key of the stream as it is now (or the plain ARN a single-stream poller
 * keeps), say which, refuse when both are held, and `--key` names an earlier stream's outright;
 * `import kcl` imports the multi-stream leases of the stream's creation epoch, not the newest one, and
 * writes them under the key asked for (`--key-format`).
 */
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Checkpoint, FileCheckpointStore } from '@streamshare/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseStreamKey } from '../src/admin/stream-keys.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import { deleteProducerStream, kinesisEndpoint, producerStream } from './helpers/engine-env.js';
import { createKclTable, importKclArgs, runTool, toolTestEnv } from './helpers/tool-cli.js';
import { shardId, uniqueTableName } from './leases-support.js';
import {
  creationEpoch,
  deleteStreamOf,
  EXTERNAL_ID,
  fleetTests,
  PRODUCERS,
  producerStreamOf,
} from './multi-stream-support.js';

const env = toolTestEnv('streamshare-stream-keys');
const fleet = fleetTests();
const position = (sequenceNumber: string): Checkpoint => ({ sequenceNumber, subSequenceNumber: 0, complete: true });
const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

let stream: string;
let epoch: number;
/** The stream's key as a poller of several streams keeps it, and the key of an earlier stream of its name. */
let current: string;
let earlier: string;

beforeAll(async () => {
  vi.stubEnv('AWS_ENDPOINT_URL_KINESIS', kinesisEndpoint());
  stream = await producerStream('stream-keys', 1);
  epoch = await creationEpoch(PRODUCERS[0], stream);
  current = `${stream}:${epoch}`;
  earlier = `${stream}:${epoch - 86_400}`;
});

afterAll(async () => {
  await deleteProducerStream(stream);
});

/** A checkpoint directory holding `checkpoints` by key and shard. */
async function directory(name: string, checkpoints: Record<string, Record<string, Checkpoint>>): Promise<string> {
  const dir = join(env.work, name);
  const store = new FileCheckpointStore({ directory: dir });
  for (const [key, shards] of Object.entries(checkpoints)) {
    for (const [shard, checkpoint] of Object.entries(shards)) await store.put(key, shard, checkpoint);
  }
  await store.close();
  return dir;
}

describe('checkpoints list|set --stream-arn on a poller of several streams', () => {
  it('checkpoint directory: the key of the stream as it is now, said; the earlier stream of its name left alone', async () => {
    const dir = await directory('qualified', {
      [current]: { [shardId(0)]: position('100') },
      [earlier]: { [shardId(0)]: position('999') },
    });
    const listed = await runTool(['checkpoints', 'list', '--checkpoint-dir', dir, '--stream-arn', stream]);
    expect(listed.err).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(
      `key: ${current} (the stream as it is now, created ${new Date(epoch * 1000).toISOString()}`,
    );
    expect(listed.out).toContain(`also in the store: key ${earlier} (a poller of several streams`);
    expect(listed.out).toMatch(new RegExp(`${current}\\s+${shardId(0)}\\s+100/0`));
    expect(listed.out).not.toContain('999/0');
    const json = await runTool(['checkpoints', 'list', '--checkpoint-dir', dir, '--stream-arn', stream, '--json']);
    expect(JSON.parse(json.out)).toMatchObject([{ streamArn: stream, key: current, checkpoint: position('100') }]);

    const set = await runTool([
      'checkpoints',
      'set',
      '--checkpoint-dir',
      dir,
      '--stream-arn',
      stream,
      '--to',
      'trim-horizon',
    ]);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.out).toContain(`set 1 shard(s) of ${stream} under key ${current}`);
    const store = new FileCheckpointStore({ directory: dir });
    expect(await store.getAll(current)).toEqual({ [shardId(0)]: { kind: 'TRIM_HORIZON' } });
    expect(await store.getAll(earlier)).toEqual({ [shardId(0)]: position('999') });
    expect(await store.getAll(stream)).toEqual({});
  });

  it('lease table: the current key found, refused when the plain ARN holds leases too (AMBIGUOUS), --key picks one', async () => {
    const name = uniqueTableName('keys');
    const table = new LeaseTable({ client: env.client, tableName: name });
    await table.ensure(true);
    await table.createLease(current, shardId(0), []);
    await table.createLease(earlier, shardId(0), []);
    const json = await runTool(['checkpoints', 'list', '--lease-table', name, '--stream-arn', stream, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject([{ streamArn: stream, key: current, shardId: shardId(0) }]);
    const set = await runTool(['checkpoints', 'set', '--lease-table', name, '--stream-arn', stream, '--to', 'latest']);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect((await table.get(current, shardId(0)))?.checkpoint).toEqual({ kind: 'LATEST' });
    expect((await table.get(earlier, shardId(0)))?.checkpoint).toBeUndefined();

    // A single-stream poller's leases of the same stream too: which one is meant is not known.
    await table.createLease(stream, shardId(0), []);
    for (const args of [
      ['checkpoints', 'set', '--lease-table', name, '--stream-arn', stream, '--to', 'trim-horizon'],
      ['checkpoints', 'list', '--lease-table', name, '--stream-arn', stream],
    ]) {
      const refused = await runTool(args);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(
        `the store holds checkpoints of ${stream} under two keys: ${current} (1 shard), ${stream} (1 shard)`,
      );
      expect(refused.err).toContain('--key KEY');
    }
    expect((await table.get(stream, shardId(0)))?.checkpoint).toBeUndefined();
    expect((await table.get(current, shardId(0)))?.checkpoint).toEqual({ kind: 'LATEST' });

    const plain = await runTool(['checkpoints', 'set', '--lease-table', name, '--key', stream, '--to', 'trim-horizon']);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain(`key: ${stream} (named with --key)`);
    expect((await table.get(stream, shardId(0)))?.checkpoint).toEqual({ kind: 'TRIM_HORIZON' });
    expect((await table.get(current, shardId(0)))?.checkpoint).toEqual({ kind: 'LATEST' });
  });

  it('a stream re-created: nothing under its key yet; --key addresses the earlier stream of the name', async () => {
    const dir = await directory('recreated', { [earlier]: { [shardId(0)]: position('500') } });
    const listed = await runTool(['checkpoints', 'list', '--checkpoint-dir', dir, '--stream-arn', stream]);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`no checkpoints in checkpoint directory ${dir} for ${stream} under key ${current}`);
    expect(listed.out).toContain(`also in the store: key ${earlier}`);
    const set = await runTool([
      'checkpoints',
      'set',
      '--checkpoint-dir',
      dir,
      '--key',
      earlier,
      '--to',
      'latest',
      '--shard',
      shardId(0),
    ]);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(await new FileCheckpointStore({ directory: dir }).getAll(earlier)).toEqual({
      [shardId(0)]: { kind: 'LATEST' },
    });
    const other = await runTool([
      'checkpoints',
      'list',
      '--checkpoint-dir',
      dir,
      '--stream-arn',
      stream,
      '--key',
      `${stream}x:1`,
    ]);
    expect(other.code).toBe(2);
  });

  it('the stream cannot be described (gone): refused naming --key, exit 1', async () => {
    const gone = 'arn:aws:kinesis:us-east-1:999900009999:stream/never-created-keys';
    const dir = await directory('gone', { [`${gone}:1700000000`]: { [shardId(0)]: position('7') } });
    const run = await runTool(['checkpoints', 'list', '--checkpoint-dir', dir, '--stream-arn', gone]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`the creation time of ${gone} could not be read (DescribeStreamSummary)`);
    expect(run.err).toContain('--key KEY');
  });
});

describe('checkpoints list --role-arn: the stream of another producer account, read as its role', () => {
  it('DescribeStreamSummary is made as the role (external id given); a role that cannot be assumed is STREAM_KEY_UNKNOWN', async () => {
    const b = PRODUCERS[1];
    const other = await producerStreamOf(b, 'stream-keys-b', 1);
    try {
      const key = `${other}:${await creationEpoch(b, other)}`;
      const dir = await directory('role', { [key]: { [shardId(0)]: position('42') } });
      const sts = await fleet.environment();
      const args = ['checkpoints', 'list', '--checkpoint-dir', dir, '--stream-arn', other, '--role-arn', b.roleArn];
      const run = await runTool([...args, '--external-id', EXTERNAL_ID, '--json']);
      expect(run.err).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toMatchObject([{ key, checkpoint: position('42') }]);
      expect(
        sts.calls.filter((c) => c.action === 'AssumeRole').map((c) => [c.roleArn, c.externalId, c.outcome]),
      ).toEqual([[b.roleArn, EXTERNAL_ID, 'ok']]);
      const refused = await runTool([...args, '--external-id', 'wrong']);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(
        `the creation time of ${other} could not be read (DescribeStreamSummary as ${b.roleArn})`,
      );
      const usage = await runTool(['checkpoints', 'list', '--checkpoint-dir', dir, '--external-id', 'x']);
      expect(usage.code).toBe(2);
    } finally {
      await deleteStreamOf(b, other);
    }
  });
});

describe('chooseStreamKey', () => {
  const arn = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
  it('the plain ARN without qualified keys, the current key over it, else the plain one, else the current one', () => {
    expect(chooseStreamKey(arn, new Map([[arn, 2]]), undefined)).toMatchObject({ key: arn, reason: 'plain' });
    expect(chooseStreamKey(arn, new Map(), undefined)).toMatchObject({ key: arn, reason: 'plain' });
    expect(chooseStreamKey(arn, new Map([[`${arn}:5`, 1]]), `${arn}:5`)).toMatchObject({ key: `${arn}:5` });
    expect(
      chooseStreamKey(
        arn,
        new Map([
          [`${arn}:4`, 1],
          [arn, 1],
        ]),
        `${arn}:5`,
      ),
    ).toMatchObject({
      key: arn,
      others: [`${arn}:4`],
    });
    expect(chooseStreamKey(arn, new Map([[`${arn}:4`, 1]]), `${arn}:5`)).toMatchObject({
      key: `${arn}:5`,
      reason: 'current',
    });
    expect(() =>
      chooseStreamKey(
        arn,
        new Map([
          [`${arn}:5`, 1],
          [arn, 1],
        ]),
        `${arn}:5`,
      ),
    ).toThrow(expect.objectContaining({ code: 'AMBIGUOUS_STREAM_KEY' }));
  });
});

describe('import kcl of a multi-stream KCL table', () => {
  const SEQ = (n: number) => `4959033827149025660855969253836157109592157598913658${String(n).padStart(4, '0')}`;
  const lease = (created: number, shard: string, checkpoint: string): Record<string, AttributeValue> => ({
    leaseKey: S(`999900009999:${stream.split('/')[1]}:${created}:${shard}`),
    leaseCounter: N(4),
    checkpoint: S(checkpoint),
    checkpointSubSequenceNumber: N(0),
  });

  it('imports the leases of the stream as it is now (not the newest epoch), under the plain ARN or --key-format qualified', async () => {
    const table = await createKclTable(env.client, uniqueTableName('kcl-keys'), [
      lease(epoch, shardId(0), SEQ(5)),
      lease(epoch + 86_400, shardId(0), SEQ(999)),
    ]);
    const plainDir = join(env.work, 'import-plain');
    const plain = await runTool(importKclArgs(table, stream, '--checkpoint-dir', plainDir, '--apply'));
    expect(plain.err).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('another stream of the same name');
    expect(plain.out).toContain(`wrote 1 checkpoint(s) of ${stream} under key ${stream}`);
    expect(await new FileCheckpointStore({ directory: plainDir }).getAll(stream)).toEqual({
      [shardId(0)]: { sequenceNumber: SEQ(5), subSequenceNumber: 0, complete: false },
    });

    const qualifiedDir = join(env.work, 'import-qualified');
    const qualified = await runTool(
      importKclArgs(table, stream, '--checkpoint-dir', qualifiedDir, '--key-format', 'qualified', '--apply'),
    );
    expect(qualified.code).toBe(0);
    expect(qualified.out).toContain(`under key ${current}`);
    const store = new FileCheckpointStore({ directory: qualifiedDir });
    expect(await store.getAll(current)).toEqual({
      [shardId(0)]: { sequenceNumber: SEQ(5), subSequenceNumber: 0, complete: false },
    });
    expect(await store.getAll(stream)).toEqual({});
  });

  it('imports nothing when the table holds only leases of an earlier stream of the name, and says so', async () => {
    const table = await createKclTable(env.client, uniqueTableName('kcl-old'), [
      lease(epoch - 86_400, shardId(0), SEQ(7)),
    ]);
    const dir = join(env.work, 'import-old');
    const run = await runTool(importKclArgs(table, stream, '--checkpoint-dir', dir, '--apply'));
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('nothing imported: the table holds leases of');
    expect(run.out).toContain('the stream was deleted and created again after the KCL read it');
    expect(run.out).toContain(`wrote 0 checkpoint(s) of ${stream}`);
    expect(await new FileCheckpointStore({ directory: dir }).getAll(stream)).toEqual({});
  });

  it('the stream cannot be described: refused, exit 1, naming --creation-epoch; nothing written', async () => {
    const gone = 'arn:aws:kinesis:us-east-1:999900009999:stream/never-created-kcl';
    const table = await createKclTable(env.client, uniqueTableName('kcl-gone'), [
      {
        leaseKey: S(`999900009999:never-created-kcl:1700000000:${shardId(0)}`),
        leaseCounter: N(1),
        checkpoint: S('LATEST'),
      },
    ]);
    const dir = join(env.work, 'import-gone');
    const run = await runTool(importKclArgs(table, gone, '--checkpoint-dir', dir, '--apply'));
    expect(run.code).toBe(1);
    expect(run.err).toContain(`the creation time of ${gone} could not be read (DescribeStreamSummary)`);
    expect(run.err).toContain('--creation-epoch N');
    expect(await new FileCheckpointStore({ directory: dir }).getAll(gone)).toEqual({});
  });
});
