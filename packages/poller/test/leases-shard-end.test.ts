/**
 * A finished shard in the lease table, as the KCL records it: `LeaseTable.finish` writes checkpoint
 * SHARD_END (the KCL's sentinel string in `checkpointSequenceNumber`) beside streamshare's `finished`
 * flag, and every reader of the table takes a lease at SHARD_END for finished, whether streamshare or
 * the KCL wrote it: never taken again, its children may start, deleted once trimmed.
 */
import { type AttributeValue, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ShardDescriptor } from '../src/coordination/shard-coordinator.js';
import { DynamoDbLeaseCoordinator } from '../src/leases/index.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import { dynamoClient, type LocalDynamo, STREAM_ARN, startLocalDynamo, uniqueTableName } from './leases-support.js';

let dynamo: LocalDynamo;
let client: DynamoDBClient;
const coordinators: DynamoDbLeaseCoordinator[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = dynamoClient(dynamo.endpoint);
});
afterEach(() => {
  for (const c of coordinators.splice(0)) c.close();
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

function worker(tableName: string, workerId: string): DynamoDbLeaseCoordinator {
  const c = new DynamoDbLeaseCoordinator({ client, tableName, streamArn: STREAM_ARN, workerId, failoverTimeMs: 1500 });
  coordinators.push(c);
  return c;
}

async function item(tableName: string, shardId: string): Promise<Record<string, AttributeValue>> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { streamArn: { S: STREAM_ARN }, shardId: { S: shardId } } }),
  );
  return out.Item ?? {};
}

/** A lease item as the KCL leaves a shard read to its end: checkpoint SHARD_END, no owner, no `finished`. */
async function kclShardEnd(tableName: string, shardId: string, parents: readonly string[] = []): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        streamArn: { S: STREAM_ARN },
        shardId: { S: shardId },
        leaseCounter: { N: '7' },
        checkpointSequenceNumber: { S: 'SHARD_END' },
        checkpointSubSequenceNumber: { N: '0' },
        parentShardIds: { L: parents.map((id) => ({ S: id })) },
      },
    }),
  );
}

const SEQ = '49649683864473953433843496278632352517587667908684677122';
const PARENT: ShardDescriptor = { shardId: 'parent', endingSequenceNumber: '100' };
const CHILD: ShardDescriptor = { shardId: 'child', parentShardId: 'parent' };

describe('LeaseTable.finish writes checkpoint SHARD_END', () => {
  it('replaces the last position by SHARD_END (KCL name, sub-sequence 0, the order key after every record)', async () => {
    const tableName = uniqueTableName('shard-end');
    const a = worker(tableName, 'a');
    expect(await a.sync([PARENT, CHILD])).toEqual(['parent']);
    await a.checkpoints.put(STREAM_ARN, 'parent', { sequenceNumber: SEQ, subSequenceNumber: 2, complete: false });
    await a.markFinished('parent');

    const stored = await item(tableName, 'parent');
    expect(stored).toMatchObject({
      finished: { BOOL: true },
      checkpointSequenceNumber: { S: 'SHARD_END' },
      checkpointSubSequenceNumber: { N: '0' },
      checkpointOrder: { S: '~SHARD_END' },
    });
    // The position's own attributes and the owner are gone.
    expect(stored.checkpointComplete).toBeUndefined();
    expect(stored.checkpointTimestamp).toBeUndefined();
    expect(stored.leaseOwner).toBeUndefined();
    const lease = (await new LeaseTable({ client, tableName }).get(STREAM_ARN, 'parent'))!;
    expect(lease).toMatchObject({ finished: true, owner: undefined, checkpoint: { kind: 'SHARD_END' } });
  });

  it('writes SHARD_END on a lease that never had a checkpoint (a shard closed before its first record)', async () => {
    const tableName = uniqueTableName('shard-end-empty');
    const a = worker(tableName, 'a');
    await a.sync([PARENT]);
    await a.markFinished('parent');
    expect(await item(tableName, 'parent')).toMatchObject({
      checkpointSequenceNumber: { S: 'SHARD_END' },
      checkpointOrder: { S: '~SHARD_END' },
    });
  });
});

describe('a lease at SHARD_END without the finished flag (written by the KCL) reads as finished', () => {
  it('lets its children start, and is never taken itself', async () => {
    const tableName = uniqueTableName('kcl-end');
    const a = worker(tableName, 'a');
    await a.start();
    await kclShardEnd(tableName, 'parent');
    expect(await a.sync([PARENT, CHILD])).toEqual(['child']);
    expect(a.owns('parent')).toBe(false);
    expect((await item(tableName, 'parent')).leaseOwner).toBeUndefined();
    // Its checkpoint reads as SHARD_END (the reader treats it as read to its end).
    expect(await a.checkpoints.get(STREAM_ARN, 'parent')).toEqual({ kind: 'SHARD_END' });
  });

  it('is refused by the take itself (the condition), not only by the planner', async () => {
    const tableName = uniqueTableName('kcl-take');
    await worker(tableName, 'a').start();
    await kclShardEnd(tableName, 'parent');
    const table = new LeaseTable({ client, tableName });
    const lease = (await table.get(STREAM_ARN, 'parent'))!;
    expect(await table.take({ ...lease, finished: false }, 'a')).toBeUndefined();
    expect((await item(tableName, 'parent')).leaseOwner).toBeUndefined();
  });

  it('is deleted once the stream no longer lists it, like a finished lease of streamshare', async () => {
    const tableName = uniqueTableName('kcl-gone');
    const a = worker(tableName, 'a');
    await a.start();
    await kclShardEnd(tableName, 'parent');
    expect(await a.sync([CHILD])).toEqual(['child']);
    const ids = (await new LeaseTable({ client, tableName }).list(STREAM_ARN)).map((lease) => lease.shardId);
    expect(ids).toEqual(['child']);
  });
});
