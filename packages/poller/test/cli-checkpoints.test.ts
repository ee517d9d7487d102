/**
 * The built `streamshare` executable (dist/cli.js) running the checkpoint tools end to end: import
 * kcl from a dynalite KCL table into a checkpoint directory, checkpoints list of what was written,
 * and checkpoints set refused while another live process (this test's) holds the directory.
 */
import { join } from 'node:path';
import { FileCheckpointStore } from '@streamshare/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliToEnd } from './fixtures-cli/cli-process.js';
import { ensureBuilt } from './fixtures-cli/ensure-built.js';
import { createKclTable, importKclArgs, toolTestEnv } from './helpers/tool-cli.js';
import { uniqueTableName } from './leases-support.js';

const STREAM = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';
const env = toolTestEnv('streamshare-cli-checkpoints');

beforeAll(() => ensureBuilt(), 240_000);

function awsEnv(): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: '888800008888',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: env.dynamo.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

describe('streamshare checkpoints and import kcl (dist/cli.js)', () => {
  it('imports a stopped KCL application, lists the result, and refuses to set a directory another process holds', async () => {
    const table = await createKclTable(env.client, uniqueTableName('kcl-cli'), [
      {
        leaseKey: { S: 'shardId-000000000000' },
        leaseOwner: { S: 'kcl-w' },
        leaseCounter: { N: '5' },
        checkpoint: { S: '4959' },
        checkpointSubSequenceNumber: { N: '2' },
      },
      { leaseKey: { S: 'shardId-000000000001' }, leaseCounter: { N: '1' }, checkpoint: { S: 'SHARD_END' } },
    ]);
    const dir = join(env.work, 'store');
    const help = await runCliToEnd(['--help']);
    expect(help.stdout).toMatch(/checkpoints\s+List the checkpoints/);
    expect(help.stdout).toMatch(/import\s+Import a KCL application/);

    const args = importKclArgs(table, STREAM, '--checkpoint-dir', dir, '--failover-ms', '300');
    const dry = await runCliToEnd(args, awsEnv());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing written; run again with --apply to write 2 checkpoint(s)');
    const applied = await runCliToEnd([...args, '--apply'], awsEnv());
    expect(applied.stderr).not.toContain('refused');
    expect(applied.code).toBe(0);

    const listed = await runCliToEnd(['checkpoints', 'list', '--checkpoint-dir', dir, '--json'], awsEnv());
    expect(listed.code).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { shardId: string; checkpointText: string }[]).map((r) => [
        r.shardId,
        r.checkpointText,
      ]),
    ).toEqual([
      ['shardId-000000000000', '4959/2 (incomplete)'],
      ['shardId-000000000001', 'SHARD_END'],
    ]);

    const holder = new FileCheckpointStore({ directory: dir });
    await holder.lock();
    try {
      const set = await runCliToEnd(
        ['checkpoints', 'set', '--checkpoint-dir', dir, '--stream-arn', STREAM, '--to', 'trim-horizon'],
        awsEnv(),
      );
      expect(set.code).toBe(1);
      expect(set.stderr).toContain(`is in use by process ${process.pid} on host`);
    } finally {
      await holder.close();
    }
  }, 60_000);
});
