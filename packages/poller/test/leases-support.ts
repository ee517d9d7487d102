/**
 * Helpers of the lease tests: dynalite (testkit), DynamoDB clients pointed at it, and a loopback
 * proxy that answers chosen DynamoDB operations with errors.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient, startDynalite } from '@streamshare/testkit';
import type { ShardDescriptor } from '../src/coordination/shard-coordinator.js';

export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** dynalite (testkit) with tables CREATING for 50 ms, so the wait for ACTIVE is exercised. */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const dynalite = await startDynalite({ tableStateMs: 50 });
  return { endpoint: dynalite.endpoint, close: () => dynalite.stop() };
}

export function dynamoClient(endpoint: string): DynamoDBClient {
  return dynamoDbClient(endpoint, { maxAttempts: 2 });
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

/** A DynamoDB-protocol fault to answer instead of forwarding. */
export interface DynamoFault {
  /** Operation, e.g. `UpdateItem` (the X-Amz-Target suffix). */
  readonly operation: string;
  /** Error type, e.g. `ProvisionedThroughputExceededException` or `AccessDeniedException`. */
  readonly type: string;
  readonly status: number;
  /** Only requests on this table (default: any table). */
  readonly tableName?: string;
  /** How many matching requests to fail (default: all). */
  times?: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly faults: DynamoFault[];
  /** Requests answered with a fault, by operation. */
  readonly injected: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of dynalite that answers chosen operations with DynamoDB JSON
 * errors (the real wire format, so the SDK's error parsing and retries run as against AWS).
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { createServer, request } = await import('node:http');
  const faults: DynamoFault[] = [];
  const injected = new Map<string, number>();
  const url = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      let tableName: unknown;
      try {
        tableName = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { TableName?: unknown }).TableName;
      } catch {
        tableName = undefined;
      }
      const fault = faults.find(
        (f) =>
          f.operation === operation &&
          (f.tableName === undefined || f.tableName === tableName) &&
          (f.times === undefined || f.times > 0),
      );
      if (fault !== undefined) {
        if (fault.times !== undefined) fault.times -= 1;
        injected.set(operation, (injected.get(operation) ?? 0) + 1);
        const body = JSON.stringify({
          __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`,
          message: `injected ${fault.type} for ${operation}`,
        });
        res.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault' });
        res.end(body);
        return;
      }
      const upstream = request(
        { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy bound no TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    faults,
    injected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
