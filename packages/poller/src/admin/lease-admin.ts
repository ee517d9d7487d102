import type { AttributeValue, DescribeTableCommandOutput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '@streamshare/core';
import { describeAwsError, isConditionFailed, isNotFound } from '../leases/aws-errors.js';
import { checkpointUpdate } from '../leases/checkpoint-update.js';
import { type DynamoDbModule, loadDynamoDbSdk } from '../leases/dynamodb-sdk.js';
import { ATTR, type Lease, leaseFromItem, leaseKey, newLeaseItem, storedCheckpoint } from '../leases/lease.js';
import { LeaseTable } from '../leases/lease-table.js';
import { withRetry } from '../leases/retry.js';
import { CheckpointAdminError } from './errors.js';
import type { ShardRow } from './shard-row.js';
import { isKeyOf } from './stream-keys.js';

/** A lease as read by {@link LeaseTableAdmin}: the row to show, and the key and counter to write against. */
export interface AdminLease extends ShardRow {
  /** `streamArn shardId`, for liveness. */
  readonly key: string;
  /** Undefined when the shard has no item yet. */
  readonly counter: number | undefined;
}

/** What {@link LeaseTableAdmin.write} expects to find: the item's counter as last read, or no item. */
export type Expected = { readonly counter: number } | 'absent';

/**
 * Tool access to streamshare's own lease table (partition key `streamArn`, sort key `shardId`):
 * reads every lease, and writes a shard's checkpoint outside any lease. A write adds 1 to the lease
 * counter and removes the owner, conditional on the counter as last read: the worker that held the
 * lease is fenced out (its next checkpoint write and renewal name the old counter and are refused,
 * `LEASE_LOST`), and the next worker to take the lease reads the new checkpoint.
 */
export class LeaseTableAdmin {
  readonly tableName: string;
  readonly #client: DynamoDBClient;
  readonly #now: () => number;
  /** The poller's own table I/O, for the reads it already has. */
  readonly #table: LeaseTable;
  #sdk: DynamoDbModule | undefined;

  constructor(client: DynamoDBClient, tableName: string, now: () => number = Date.now) {
    this.#client = client;
    this.tableName = tableName;
    this.#now = now;
    this.#table = new LeaseTable({ client, tableName });
  }

  /** Checks that the table exists and has streamshare's key schema (a KCL table has another). */
  async check(): Promise<void> {
    const sdk = await this.#load();
    let out: DescribeTableCommandOutput;
    try {
      out = await withRetry(() => this.#client.send(new sdk.DescribeTableCommand({ TableName: this.tableName })));
    } catch (error) {
      if (isNotFound(error)) {
        throw new CheckpointAdminError(
          'TABLE_CALL_FAILED',
          `lease table ${JSON.stringify(this.tableName)} does not exist (in the region of AWS_REGION, with the endpoint of AWS_ENDPOINT_URL_DYNAMODB when set)`,
          { cause: error },
        );
      }
      throw this.#failed('DescribeTable', error);
    }
    const keys = out.Table?.KeySchema ?? [];
    const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    if (hash !== ATTR.streamArn || range !== ATTR.shardId) {
      throw new CheckpointAdminError(
        'TABLE_CALL_FAILED',
        `table ${JSON.stringify(this.tableName)} is not a streamshare lease table: its key is (${hash ?? 'none'}, ${range ?? 'none'}), not (${ATTR.streamArn}, ${ATTR.shardId})${hash === 'leaseKey' ? '; it looks like a KCL lease table: use streamshare import kcl --table to read it' : ''}`,
      );
    }
  }

  /** The rows of `checkpoints list`: {@link leases}. */
  rows(streamArn?: string): Promise<ShardRow[]> {
    return this.leases(streamArn);
  }

  /** Every lease of a stream (the lease table's consistent Query), or of every stream (a consistent Scan). */
  async leases(streamArn?: string): Promise<AdminLease[]> {
    if (streamArn !== undefined) {
      const leases = await this.#table.list(streamArn);
      const now = this.#now();
      return leases.map((lease) => adminLease(lease, now));
    }
    const sdk = await this.#load();
    const out: AdminLease[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await withRetry(() =>
        this.#client.send(
          new sdk.ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        ),
      ).catch((error: unknown) => {
        throw this.#failed('Scan', error);
      });
      const now = this.#now();
      for (const item of page.Items ?? []) {
        const lease = leaseFromItem(item);
        if (lease !== undefined) out.push(adminLease(lease, now));
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return out;
  }

  /**
   * The keys of a stream in the table (its plain ARN, and `<ARN>:<epoch>` of a poller of several
   * streams), each with its number of lease items: a consistent Scan of the table, only the partition
   * keys read, filtered to the stream's (a Query needs the key, and an earlier stream's is not known).
   */
  async keysOf(streamArn: string): Promise<Map<string, number>> {
    const sdk = await this.#load();
    const keys = new Map<string, number>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await withRetry(() =>
        this.#client.send(
          new sdk.ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ExclusiveStartKey: start,
            ProjectionExpression: '#key',
            FilterExpression: '#key = :arn OR begins_with(#key, :qualified)',
            ExpressionAttributeNames: { '#key': ATTR.streamArn },
            ExpressionAttributeValues: { ':arn': { S: streamArn }, ':qualified': { S: `${streamArn}:` } },
          }),
        ),
      ).catch((error: unknown) => {
        throw this.#failed('Scan', error);
      });
      for (const item of page.Items ?? []) {
        const key = item[ATTR.streamArn]?.S;
        if (key !== undefined && isKeyOf(key, streamArn)) keys.set(key, (keys.get(key) ?? 0) + 1);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return keys;
  }

  /**
   * Writes a shard's checkpoint, taking the lease away from its owner (counter + 1, owner removed;
   * `finished` true only for SHARD_END), or creates the shard's lease item with it. Conditional on
   * `expected`: `false` when the item changed since it was read (a worker renewed or took it).
   */
  async write(
    streamArn: string,
    shardId: string,
    checkpoint: Checkpoint,
    expected: Expected,
    parentShardIds: readonly string[] = [],
  ): Promise<boolean> {
    const sdk = await this.#load();
    const stored = storedCheckpoint(checkpoint);
    const finished = checkpoint.kind === 'SHARD_END';
    const send =
      expected === 'absent'
        ? () =>
            this.#client.send(
              new sdk.PutItemCommand({
                TableName: this.tableName,
                Item: {
                  ...newLeaseItem(streamArn, shardId, parentShardIds),
                  [ATTR.counter]: { N: '1' },
                  [ATTR.finished]: { BOOL: finished },
                  [ATTR.sequenceNumber]: { S: stored.sequenceNumber },
                  [ATTR.subSequenceNumber]: { N: String(stored.subSequenceNumber) },
                  [ATTR.order]: { S: stored.order },
                  ...(stored.complete === undefined ? {} : { [ATTR.complete]: { BOOL: stored.complete } }),
                  ...(stored.timestampMs === undefined ? {} : { [ATTR.timestamp]: { N: String(stored.timestampMs) } }),
                },
                ConditionExpression: 'attribute_not_exists(#shard)',
                ExpressionAttributeNames: { '#shard': ATTR.shardId },
              }),
            )
        : () => {
            const update = checkpointUpdate(stored);
            return this.#client.send(
              new sdk.UpdateItemCommand({
                TableName: this.tableName,
                Key: leaseKey(streamArn, shardId),
                UpdateExpression: `SET ${[...update.set, '#finished = :finished', '#counter = #counter + :one'].join(', ')} REMOVE ${['#owner', ...update.remove].join(', ')}`,
                ConditionExpression: '#counter = :observed',
                ExpressionAttributeNames: {
                  ...update.names,
                  '#finished': ATTR.finished,
                  '#counter': ATTR.counter,
                  '#owner': ATTR.owner,
                },
                ExpressionAttributeValues: {
                  ...update.values,
                  ':one': { N: '1' },
                  ':finished': { BOOL: finished },
                  ':observed': { N: String(expected.counter) },
                },
              }),
            );
          };
    try {
      await withRetry(send);
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw this.#failed(expected === 'absent' ? 'PutItem' : 'UpdateItem', error);
    }
  }

  async #load(): Promise<DynamoDbModule> {
    this.#sdk ??= await loadDynamoDbSdk();
    return this.#sdk;
  }

  #failed(action: string, error: unknown): CheckpointAdminError {
    return new CheckpointAdminError(
      'TABLE_CALL_FAILED',
      `dynamodb:${action} on lease table ${JSON.stringify(this.tableName)} failed: ${describeAwsError(error)}`,
      { cause: error },
    );
  }
}

/** A lease as a row (pure). */
export function adminLease(lease: Lease, now: number): AdminLease {
  return {
    key: `${lease.streamArn} ${lease.shardId}`,
    streamArn: lease.streamArn,
    shardId: lease.shardId,
    checkpoint: lease.checkpoint,
    owner: lease.owner,
    ageMs: lease.renewedAt === undefined ? undefined : Math.max(0, now - lease.renewedAt),
    counter: lease.counter,
    finished: lease.finished,
    parentShardIds: lease.parentShardIds,
  };
}
