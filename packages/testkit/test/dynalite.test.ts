import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Dynalite, dynamoDbClient, startDynalite } from '@streamshare/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

describe('startDynalite', () => {
  it('serves the real DynamoDBClient on loopback: on-demand table, conditional writes', async () => {
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = dynamoDbClient(db.endpoint, { maxAttempts: 1 });
    await client.send(
      new CreateTableCommand({
        TableName: 'leases',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      }),
    );
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'leases' }));
    expect(Table?.TableStatus).toBe('ACTIVE');

    const put = (owner: string, expected?: number) =>
      client.send(
        new PutItemCommand({
          TableName: 'leases',
          Item: { leaseKey: { S: 'shard-0' }, owner: { S: owner }, counter: { N: String((expected ?? 0) + 1) } },
          ConditionExpression: expected === undefined ? 'attribute_not_exists(leaseKey)' : '#c = :c',
          ExpressionAttributeNames: expected === undefined ? undefined : { '#c': 'counter' },
          ExpressionAttributeValues: expected === undefined ? undefined : { ':c': { N: String(expected) } },
        }),
      );
    await put('worker-a');
    await expect(put('worker-b')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await put('worker-b', 1);
    await expect(put('worker-a', 1)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: 'leases', Key: { leaseKey: { S: 'shard-0' } }, ConsistentRead: true }),
    );
    expect(Item).toEqual({ leaseKey: { S: 'shard-0' }, owner: { S: 'worker-b' }, counter: { N: '2' } });
  });

  it('keeps servers apart: a second dynalite starts empty on another port', async () => {
    const other = await startDynalite();
    try {
      expect(other.port).not.toBe(db.port);
      await expect(
        dynamoDbClient(other.endpoint, { maxAttempts: 1 }).send(new DescribeTableCommand({ TableName: 'leases' })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      await other.stop();
    }
  });
});
