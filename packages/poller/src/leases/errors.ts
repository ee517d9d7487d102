import { StreamshareError } from '@streamshare/core';

/** DynamoDB actions the lease coordinator calls on its table. */
export type LeaseTableAction =
  | 'dynamodb:CreateTable'
  | 'dynamodb:DescribeTable'
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:Query'
  | 'dynamodb:DeleteItem';

/** Every action the poller's own identity needs on the lease table (CreateTable only with createIfMissing). */
export const LEASE_TABLE_ACTIONS: readonly LeaseTableAction[] = [
  'dynamodb:CreateTable',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
];

/**
 * Actions the poller uses when allowed: `DeleteItem` removes the leases of finished shards that are
 * gone from the stream (trimmed after the retention period). Without it those items stay.
 */
export const LEASE_TABLE_OPTIONAL_ACTIONS: readonly LeaseTableAction[] = ['dynamodb:DeleteItem'];

/** Codes of {@link LeaseTableError}. */
export type LeaseTableErrorCode =
  /** The poller's own identity may not call an action on the table. Fatal. */
  | 'LEASE_TABLE_ACCESS_DENIED'
  /** The table does not exist and `createIfMissing` is false. Fatal. */
  | 'LEASE_TABLE_NOT_FOUND'
  /** The table exists with another key schema (e.g. a KCL table). Fatal. */
  | 'LEASE_TABLE_SCHEMA'
  /** Throttling, 5xx or network errors outlasted the retries. Retryable. */
  | 'LEASE_TABLE_UNAVAILABLE'
  /** The table did not become ACTIVE in time. Retryable. */
  | 'LEASE_TABLE_NOT_ACTIVE';

/** A lease-table operation failed for a reason other than a lost lease. */
export class LeaseTableError extends StreamshareError {
  /** The table at fault. */
  readonly tableName: string;
  /** The DynamoDB action that failed, when one did. */
  readonly action: LeaseTableAction | undefined;

  constructor(
    code: LeaseTableErrorCode,
    message: string,
    details: { tableName: string; action?: LeaseTableAction; cause?: unknown },
  ) {
    const retryable = code === 'LEASE_TABLE_UNAVAILABLE' || code === 'LEASE_TABLE_NOT_ACTIVE';
    super(code, message, details.cause === undefined ? { retryable } : { retryable, cause: details.cause });
    this.tableName = details.tableName;
    this.action = details.action;
  }
}
