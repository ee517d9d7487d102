import type { AttributeValue, DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '@streamshare/core';
import { errorFromThrown, sleep } from '@streamshare/core/internal';
import {
  describeAwsError,
  isAccessDenied,
  isConditionFailed,
  isNotFound,
  isResourceInUse,
  isTransient,
} from './aws-errors.js';
import { checkpointUpdate } from './checkpoint-update.js';
import { type DynamoDbModule, loadDynamoDbSdk } from './dynamodb-sdk.js';
import { LEASE_TABLE_ACTIONS, type LeaseTableAction, LeaseTableError } from './errors.js';
import { ATTR, type Lease, leaseFromItem, leaseKey, newLeaseItem, storedCheckpoint } from './lease.js';
import { type LeaseRetryOptions, withRetry } from './retry.js';

const SHARD_END = { kind: 'SHARD_END' } as const satisfies Checkpoint;

/**
 * The condition of a lease that is not finished: neither flagged `finished` (streamshare) nor at
 * checkpoint SHARD_END (as the KCL records a shard read to its end). Names `#finished`, `#seq`;
 * values `:false`, `:shardEnd`.
 */
const NOT_FINISHED =
  '(attribute_not_exists(#finished) OR #finished = :false) AND (attribute_not_exists(#seq) OR #seq <> :shardEnd)';

/** Settings of {@link LeaseTable}. */
export interface LeaseTableSettings {
  /** The client, or a function making it on first use (then the SDK is loaded only when needed). */
  readonly client: DynamoDBClient | (() => Promise<DynamoDBClient>);
  readonly tableName: string;
  readonly retry?: LeaseRetryOptions;
  /** How long `ensure` waits for the table to become ACTIVE (default 60_000 ms). */
  readonly activeTimeoutMs?: number;
}

/**
 * The lease table's I/O: every DynamoDB call the coordinator makes, with its condition expression.
 * Conditional writes return `false` when their condition failed; other failures throw
 * {@link LeaseTableError} (transient ones after retries).
 */
export class LeaseTable {
  readonly tableName: string;
  private readonly clientSource: DynamoDBClient | (() => Promise<DynamoDBClient>);
  /** Set by {@link ready}, before any call is sent. */
  private client!: DynamoDBClient;
  /** The DynamoDB SDK module, loaded by {@link ready}. */
  private sdk!: DynamoDbModule;
  private loaded: Promise<void> | undefined;
  private readonly retry: LeaseRetryOptions | undefined;
  private readonly activeTimeoutMs: number;

  constructor(settings: LeaseTableSettings) {
    this.clientSource = settings.client;
    this.tableName = settings.tableName;
    this.retry = settings.retry;
    this.activeTimeoutMs = settings.activeTimeoutMs ?? 60_000;
  }

  /** Makes sure the table exists with the expected key schema and is ACTIVE; creates it when allowed. */
  async ensure(createIfMissing: boolean): Promise<void> {
    let table = await this.describe();
    if (table === undefined) {
      if (!createIfMissing) {
        throw new LeaseTableError(
          'LEASE_TABLE_NOT_FOUND',
          `lease table ${JSON.stringify(this.tableName)} does not exist in ${await this.where()} and createIfMissing is false: create it (partition key ${ATTR.streamArn} S, sort key ${ATTR.shardId} S) or allow creation`,
          { tableName: this.tableName, action: 'dynamodb:DescribeTable' },
        );
      }
      await this.createTable();
      table = await this.describe();
    }
    this.checkSchema(table);
    const deadline = Date.now() + this.activeTimeoutMs;
    while (table?.TableStatus !== 'ACTIVE') {
      if (Date.now() > deadline) {
        throw new LeaseTableError(
          'LEASE_TABLE_NOT_ACTIVE',
          `lease table ${JSON.stringify(this.tableName)} in ${await this.where()} is ${table?.TableStatus ?? 'missing'}, not ACTIVE, after ${this.activeTimeoutMs} ms`,
          { tableName: this.tableName, action: 'dynamodb:DescribeTable' },
        );
      }
      // A wait for a state, not a retry of a failure: polled at a fixed 100 ms with core's sleep.
      await sleep(100);
      table = await this.describe();
    }
  }

  /** Every lease of a stream (consistent read, all pages). */
  async list(streamArn: string): Promise<Lease[]> {
    const leases: Lease[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.call('dynamodb:Query', () =>
        this.client.send(
          new this.sdk.QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#arn = :arn',
            ExpressionAttributeNames: { '#arn': ATTR.streamArn },
            ExpressionAttributeValues: { ':arn': { S: streamArn } },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const lease = leaseFromItem(item);
        if (lease !== undefined) leases.push(lease);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return leases;
  }

  /** One lease (consistent read), or `undefined` when it has no item. */
  async get(streamArn: string, shardId: string): Promise<Lease | undefined> {
    const out = await this.call('dynamodb:GetItem', () =>
      this.client.send(
        new this.sdk.GetItemCommand({
          TableName: this.tableName,
          Key: leaseKey(streamArn, shardId),
          ConsistentRead: true,
        }),
      ),
    );
    return leaseFromItem(out.Item);
  }

  /** Creates a free lease for a new shard; `false` when its item already exists. */
  createLease(streamArn: string, shardId: string, parentShardIds: readonly string[]): Promise<boolean> {
    return this.conditional('dynamodb:PutItem', () =>
      this.client.send(
        new this.sdk.PutItemCommand({
          TableName: this.tableName,
          Item: newLeaseItem(streamArn, shardId, parentShardIds),
          ConditionExpression: 'attribute_not_exists(#shard)',
          ExpressionAttributeNames: { '#shard': ATTR.shardId },
        }),
      ),
    );
  }

  /**
   * Takes a lease: a free or expired one conditional on counter and owner still being as observed;
   * in `steal` mode (balancing) conditional on the owner only. Returns the lease after the take, or
   * `undefined` when someone changed it first.
   */
  async take(observed: Lease, workerId: string, mode: 'observed' | 'steal' = 'observed'): Promise<Lease | undefined> {
    const ownerCondition = observed.owner === undefined ? 'attribute_not_exists(#owner)' : '#owner = :oldOwner';
    // A steal names the owner only: the busiest worker keeps renewing, and its lease is taken all the same.
    const counterCondition = mode === 'steal' ? '' : '#counter = :counter AND ';
    const values: Record<string, AttributeValue> = {
      ':me': { S: workerId },
      ':one': { N: '1' },
      ':now': { N: String(Date.now()) },
      ':false': { BOOL: false },
      ':shardEnd': { S: SHARD_END.kind },
    };
    if (mode !== 'steal') values[':counter'] = { N: String(observed.counter) };
    if (observed.owner !== undefined) values[':oldOwner'] = { S: observed.owner };
    let attributes: Record<string, AttributeValue> | undefined;
    const ok = await this.conditional('dynamodb:UpdateItem', async () => {
      const out = await this.client.send(
        new this.sdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: leaseKey(observed.streamArn, observed.shardId),
          UpdateExpression: 'SET #owner = :me, #counter = #counter + :one, #renewed = :now ADD #switches :one',
          ConditionExpression: `${counterCondition}${ownerCondition} AND ${NOT_FINISHED}`,
          ExpressionAttributeNames: {
            '#owner': ATTR.owner,
            '#counter': ATTR.counter,
            '#renewed': ATTR.renewedAt,
            '#switches': ATTR.ownerSwitches,
            '#finished': ATTR.finished,
            '#seq': ATTR.sequenceNumber,
          },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = out.Attributes;
    });
    return ok
      ? (leaseFromItem(attributes) ?? { ...observed, owner: workerId, counter: observed.counter + 1 })
      : undefined;
  }

  /** Renews a held lease: counter + 1, conditional on owner and counter. `false` when lost. */
  renew(streamArn: string, shardId: string, workerId: string, counter: number): Promise<boolean> {
    return this.ownedUpdate(streamArn, shardId, workerId, counter, 'SET #counter = #counter + :one, #renewed = :now');
  }

  /** Frees a held lease (owner removed, counter + 1) so another worker can take it at once. */
  release(streamArn: string, shardId: string, workerId: string, counter: number): Promise<boolean> {
    return this.ownedUpdate(streamArn, shardId, workerId, counter, 'SET #counter = #counter + :one REMOVE #owner');
  }

  /**
   * Deletes the lease of a finished shard, conditional on it being finished and free (a finished
   * lease is never taken again). `false` when the item is not, or no longer, such a lease.
   */
  deleteFinished(streamArn: string, shardId: string): Promise<boolean> {
    return this.conditional('dynamodb:DeleteItem', () =>
      this.client.send(
        new this.sdk.DeleteItemCommand({
          TableName: this.tableName,
          Key: leaseKey(streamArn, shardId),
          ConditionExpression: '(#finished = :true OR #seq = :shardEnd) AND attribute_not_exists(#owner)',
          ExpressionAttributeNames: { '#finished': ATTR.finished, '#seq': ATTR.sequenceNumber, '#owner': ATTR.owner },
          ExpressionAttributeValues: { ':true': { BOOL: true }, ':shardEnd': { S: SHARD_END.kind } },
        }),
      ),
    );
  }

  /**
   * Marks a held lease finished and frees it, writing its checkpoint SHARD_END as the KCL does (the
   * shard is read to its end): `finished` for streamshare's readers, the checkpoint for the KCL's and
   * for any tool reading the checkpoint attributes. SHARD_END is after every other checkpoint, so
   * this write never goes backwards. `false` when the lease was lost.
   */
  finish(streamArn: string, shardId: string, workerId: string, counter: number): Promise<boolean> {
    const end = storedCheckpoint(SHARD_END);
    return this.ownedUpdate(
      streamArn,
      shardId,
      workerId,
      counter,
      'SET #counter = #counter + :one, #finished = :true, #seq = :seq, #sub = :sub, #order = :order ' +
        'REMOVE #owner, #complete, #timestamp',
      {
        ':true': { BOOL: true },
        ':seq': { S: end.sequenceNumber },
        ':sub': { N: String(end.subSequenceNumber) },
        ':order': { S: end.order },
      },
      {
        '#finished': ATTR.finished,
        '#seq': ATTR.sequenceNumber,
        '#sub': ATTR.subSequenceNumber,
        '#order': ATTR.order,
        '#complete': ATTR.complete,
        '#timestamp': ATTR.timestamp,
      },
    );
  }

  /**
   * Writes a checkpoint, conditional on owner = me, counter = mine, and the stored checkpoint not
   * being ahead of this one. `false` when the condition failed (lost lease or backwards). The
   * attributes of another kind of checkpoint are removed (see {@link StoredCheckpoint}).
   */
  putCheckpoint(
    streamArn: string,
    shardId: string,
    workerId: string,
    counter: number,
    checkpoint: Checkpoint,
  ): Promise<boolean> {
    const update = checkpointUpdate(storedCheckpoint(checkpoint));
    const remove = update.remove.length > 0 ? ` REMOVE ${update.remove.join(', ')}` : '';
    return this.conditional('dynamodb:UpdateItem', () =>
      this.client.send(
        new this.sdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: leaseKey(streamArn, shardId),
          UpdateExpression: `SET ${update.set.join(', ')}${remove}`,
          ConditionExpression:
            '#owner = :me AND #counter = :counter AND (attribute_not_exists(#order) OR #order <= :order)',
          ExpressionAttributeNames: { '#owner': ATTR.owner, '#counter': ATTR.counter, ...update.names },
          ExpressionAttributeValues: { ':me': { S: workerId }, ':counter': { N: String(counter) }, ...update.values },
        }),
      ),
    );
  }

  private ownedUpdate(
    streamArn: string,
    shardId: string,
    workerId: string,
    counter: number,
    update: string,
    extraValues: Record<string, AttributeValue> = {},
    extraNames: Record<string, string> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { '#owner': ATTR.owner, '#counter': ATTR.counter, ...extraNames };
    const values: Record<string, AttributeValue> = {
      ':me': { S: workerId },
      ':counter': { N: String(counter) },
      ':one': { N: '1' },
      ...extraValues,
    };
    if (update.includes('#renewed')) {
      names['#renewed'] = ATTR.renewedAt;
      values[':now'] = { N: String(Date.now()) };
    }
    return this.conditional('dynamodb:UpdateItem', () =>
      this.client.send(
        new this.sdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: leaseKey(streamArn, shardId),
          UpdateExpression: update,
          ConditionExpression: '#owner = :me AND #counter = :counter',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  private async describe(): Promise<TableDescription | undefined> {
    try {
      const out = await this.call('dynamodb:DescribeTable', () =>
        this.client.send(new this.sdk.DescribeTableCommand({ TableName: this.tableName })),
      );
      return out.Table;
    } catch (error) {
      if (error instanceof LeaseTableError && error.code === 'LEASE_TABLE_NOT_FOUND') return undefined;
      throw error;
    }
  }

  private async createTable(): Promise<void> {
    try {
      await this.call('dynamodb:CreateTable', () =>
        this.client.send(
          new this.sdk.CreateTableCommand({
            TableName: this.tableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: ATTR.streamArn, AttributeType: 'S' },
              { AttributeName: ATTR.shardId, AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: ATTR.streamArn, KeyType: 'HASH' },
              { AttributeName: ATTR.shardId, KeyType: 'RANGE' },
            ],
          }),
        ),
      );
    } catch (error) {
      // Another worker created it at the same time: wait for it like ours.
      if (isResourceInUse(error) || (error instanceof LeaseTableError && isResourceInUse(error.cause))) return;
      throw error;
    }
  }

  private checkSchema(table: TableDescription | undefined): void {
    const keys = table?.KeySchema ?? [];
    const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    if (table !== undefined && (hash !== ATTR.streamArn || range !== ATTR.shardId)) {
      throw new LeaseTableError(
        'LEASE_TABLE_SCHEMA',
        `lease table ${JSON.stringify(this.tableName)} has key schema (${hash ?? 'none'}, ${range ?? 'none'}); streamshare needs partition key ${ATTR.streamArn} (S) and sort key ${ATTR.shardId} (S): use another table name`,
        { tableName: this.tableName, action: 'dynamodb:DescribeTable' },
      );
    }
  }

  /** Runs a conditional write: `true` when applied, `false` when its condition failed. */
  private async conditional(action: LeaseTableAction, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(action, send, true);
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Loads the SDK and makes the client (once), before the first call. */
  private ready(): Promise<void> {
    this.loaded ??= (async () => {
      const source = this.clientSource;
      const [sdk, client] = await Promise.all([loadDynamoDbSdk(), typeof source === 'function' ? source() : source]);
      this.sdk = sdk;
      this.client = client;
    })();
    return this.loaded;
  }

  /** Sends one call with retries, turning AWS errors into LeaseTableError (condition failures pass through when asked). */
  private async call<T>(action: LeaseTableAction, send: () => Promise<T>, passConditionFailure = false): Promise<T> {
    await this.ready();
    try {
      return await withRetry(send, this.retry);
    } catch (error) {
      if (passConditionFailure && isConditionFailed(error)) throw error;
      throw await this.translate(action, error);
    }
  }

  private async translate(action: LeaseTableAction, error: unknown): Promise<Error> {
    if (isAccessDenied(error)) {
      return new LeaseTableError(
        'LEASE_TABLE_ACCESS_DENIED',
        `access denied: ${action} on lease table ${JSON.stringify(this.tableName)} in ${await this.where()}. The poller's OWN identity (not the stream's assumed role) needs an IAM policy allowing ${LEASE_TABLE_ACTIONS.join(', ')} on arn:aws:dynamodb:<region>:<account>:table/${this.tableName} (${describeAwsError(error)})`,
        { tableName: this.tableName, action, cause: error },
      );
    }
    if (isNotFound(error)) {
      return new LeaseTableError(
        'LEASE_TABLE_NOT_FOUND',
        `lease table ${JSON.stringify(this.tableName)} not found in ${await this.where()} (${action})`,
        { tableName: this.tableName, action, cause: error },
      );
    }
    if (isTransient(error)) {
      return new LeaseTableError(
        'LEASE_TABLE_UNAVAILABLE',
        `${action} on lease table ${JSON.stringify(this.tableName)} kept failing after retries: ${describeAwsError(error)}`,
        { tableName: this.tableName, action, cause: error },
      );
    }
    return errorFromThrown(error);
  }

  /** "region R of the poller's own account" for messages. */
  private async where(): Promise<string> {
    let region = 'unknown region';
    try {
      region = (await this.client?.config.region()) ?? region;
    } catch {
      // keep the placeholder
    }
    return `region ${region} of the poller's own account (the lease-table client's credentials)`;
  }
}
