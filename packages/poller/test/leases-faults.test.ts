import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLeaseCoordinator } from '../src/leases/index.js';
import { LeaseTable } from '../src/leases/lease-table.js';
import {
  dynamoClient,
  type FaultProxy,
  flatShards,
  type LocalDynamo,
  STREAM_ARN,
  shardId,
  startFaultProxy,
  startLocalDynamo,
  uniqueTableName,
} from './leases-support.js';

let dynamo: LocalDynamo;
let proxy: FaultProxy;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  proxy = await startFaultProxy(dynamo.endpoint);
  client = dynamoClient(proxy.endpoint);
});

beforeEach(() => {
  proxy.faults.splice(0);
  proxy.injected.clear();
});

afterAll(async () => {
  client.destroy();
  await proxy.close();
  await dynamo.close();
});

function worker(tableName: string, workerId: string): DynamoDbLeaseCoordinator {
  return new DynamoDbLeaseCoordinator({
    client,
    tableName,
    streamArn: STREAM_ARN,
    workerId,
    failoverTimeMs: 3000,
    createIfMissing: true,
    retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
  });
}

describe('lease table faults', () => {
  it('retries throttling and 5xx with backoff and carries on', async () => {
    const tableName = uniqueTableName();
    const a = worker(tableName, 'a');
    await a.start();
    proxy.faults.push(
      { operation: 'Query', type: 'ProvisionedThroughputExceededException', status: 400, times: 3, tableName },
      { operation: 'UpdateItem', type: 'InternalServerError', status: 500, times: 3, tableName },
      { operation: 'PutItem', type: 'ThrottlingException', status: 400, times: 2, tableName },
    );
    expect(await a.sync(flatShards(2))).toHaveLength(2);
    await a.checkpoints.put(STREAM_ARN, shardId(0), { sequenceNumber: '7', subSequenceNumber: 0, complete: true });
    expect(await a.checkpoints.get(STREAM_ARN, shardId(0))).toEqual({
      sequenceNumber: '7',
      subSequenceNumber: 0,
      complete: true,
    });
    expect(proxy.injected.get('Query')).toBe(3);
    expect(proxy.injected.get('UpdateItem')).toBe(3);
    expect(proxy.injected.get('PutItem')).toBe(2);
    a.close();
  });

  it('gives up on lasting throttling with a retryable LEASE_TABLE_UNAVAILABLE; sync rides it out', async () => {
    const tableName = uniqueTableName();
    const a = worker(tableName, 'a');
    await a.start();
    proxy.faults.push({ operation: 'Query', type: 'ProvisionedThroughputExceededException', status: 400, tableName });
    const table = new LeaseTable({ client, tableName, retry: { attempts: 2, baseDelayMs: 10 } });
    const error = await table.list(STREAM_ARN).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LEASE_TABLE_UNAVAILABLE', retryable: true, action: 'dynamodb:Query' });
    // sync does not reject on it: it keeps what it holds and tries again on the next sync
    proxy.faults.splice(0);
    expect(await a.sync(flatShards(2))).toHaveLength(2);
    proxy.faults.push({ operation: 'Query', type: 'ProvisionedThroughputExceededException', status: 400, tableName });
    expect(await a.sync(flatShards(2))).toHaveLength(2);
    proxy.faults.splice(0);
    expect(await a.sync(flatShards(3))).toHaveLength(3);
    a.close();
  });

  it.each([
    ['DescribeTable', 'dynamodb:DescribeTable'],
    ['CreateTable', 'dynamodb:CreateTable'],
    ['Query', 'dynamodb:Query'],
    ['PutItem', 'dynamodb:PutItem'],
    ['UpdateItem', 'dynamodb:UpdateItem'],
  ])('AccessDenied on %s names the table, the action and the poller identity policy', async (operation, action) => {
    const tableName = uniqueTableName('denied');
    const a = worker(tableName, 'a');
    proxy.faults.push({ operation, type: 'AccessDeniedException', status: 400, tableName });
    const error = await a
      .start()
      .then(() => a.sync(flatShards(1)))
      .catch((e: unknown) => e);
    a.close();
    expect(error).toMatchObject({ code: 'LEASE_TABLE_ACCESS_DENIED', retryable: false, action, tableName });
    const message = (error as Error).message;
    expect(message).toContain(action);
    expect(message).toContain(JSON.stringify(tableName));
    expect(message).toContain("poller's OWN identity");
    expect(message).toContain('us-east-1');
    expect(proxy.injected.get(operation)).toBe(1); // not retried
  });

  it('AccessDenied on DeleteItem keeps the leases of gone shards and the worker going (one warning)', async () => {
    const tableName = uniqueTableName('denied');
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const a = new DynamoDbLeaseCoordinator({
      client,
      tableName,
      streamArn: STREAM_ARN,
      workerId: 'a',
      failoverTimeMs: 3000,
      logger,
    });
    const shards = [{ shardId: 'gone', endingSequenceNumber: '1' }, { shardId: shardId(1) }];
    await a.sync(shards);
    await a.markFinished('gone');
    proxy.faults.push({ operation: 'DeleteItem', type: 'AccessDeniedException', status: 400, tableName });
    expect(await a.sync([{ shardId: shardId(1) }])).toEqual([shardId(1)]);
    expect(await a.sync([{ shardId: shardId(1) }])).toEqual([shardId(1)]);
    a.close();
    expect(proxy.injected.get('DeleteItem')).toBe(1); // asked once, then left alone
    const warnings = lines.filter((line) => line.level === 40 && line.msg.includes('dynamodb:DeleteItem'));
    expect(warnings).toHaveLength(1);
    const table = new LeaseTable({ client, tableName });
    expect((await table.list(STREAM_ARN)).map((lease) => lease.shardId).sort()).toEqual(['gone', shardId(1)]);
  });

  it('AccessDenied on GetItem is reported by checkpoints.get', async () => {
    const tableName = uniqueTableName('denied');
    const a = worker(tableName, 'a');
    await a.sync(flatShards(1));
    proxy.faults.push({ operation: 'GetItem', type: 'AccessDeniedException', status: 400, tableName });
    await expect(a.checkpoints.get(STREAM_ARN, shardId(0))).rejects.toMatchObject({
      code: 'LEASE_TABLE_ACCESS_DENIED',
      action: 'dynamodb:GetItem',
    });
    a.close();
  });
});
