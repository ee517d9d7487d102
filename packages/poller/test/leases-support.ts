/**
 * Helpers of the lease tests: an in-process dynalite on a free loopback port and DynamoDB clients
 * pointed at it. (Switch to @streamshare/testkit's startDynalite once it lands.)
 */
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ShardDescriptor } from '../src/coordination/shard-coordinator.js';

export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const module = (await import('dynalite' as string)) as { default: DynaliteFactory };
  const server = module.default({ createTableMs: 50, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dynalite bound no TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function dynamoClient(endpoint: string, accessKeyId = '888800008888'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'secret' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 2,
  });
}

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';

export function shardId(n: number): string {
  return `shardId-${String(n).padStart(12, '0')}`;
}

/** `count` open shards without parents. */
export function flatShards(count: number): ShardDescriptor[] {
  return Array.from({ length: count }, (_, i) => ({ shardId: shardId(i) }));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let tableCounter = 0;
export function uniqueTableName(prefix = 'leases'): string {
  tableCounter += 1;
  return `${prefix}-${process.pid}-${tableCounter}`;
}
