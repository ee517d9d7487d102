/**
 * DynamoDB leases for several poller workers sharing one stream.
 *
 * Table: one item per shard, partition key `streamArn` (S) and sort key `shardId` (S), on-demand.
 * Item: leaseOwner (absent when free), leaseCounter (N, +1 on every take/renew/release/finish),
 * checkpointSequenceNumber / checkpointSubSequenceNumber / checkpointComplete, checkpointOrder (a
 * fixed-width sortable string so the table itself refuses a backwards write), finished (SHARD_END),
 * parentShardIds, ownerSwitchesSinceCheckpoint, renewedAt (wall clock, informational only).
 *
 * Expiry: each worker notes, on its own monotonic clock, when it first saw a lease's current
 * counter; a lease whose counter stood still for failoverTimeMs is expired (as the KCL does). No
 * clocks of different hosts are compared. IAM (the poller's own identity): dynamodb:DescribeTable,
 * CreateTable (when created on demand), GetItem, PutItem, UpdateItem, Query on the table.
 * @module
 */
export { type BalanceInput, type BalancePlan, isProcessable, planTakes } from './balance.js';
export { checkpointOrderKey } from './checkpoint-order.js';
export {
  DEFAULT_FAILOVER_TIME_MS,
  DynamoDbLeaseCoordinator,
  type DynamoDbLeaseCoordinatorOptions,
  defaultWorkerId,
} from './dynamodb-lease-coordinator.js';
export {
  LEASE_TABLE_ACTIONS,
  LEASE_TABLE_OPTIONAL_ACTIONS,
  type LeaseTableAction,
  LeaseTableError,
  type LeaseTableErrorCode,
} from './errors.js';
export { ExpiryTracker } from './expiry-tracker.js';
export { ATTR as LEASE_ATTRIBUTES, type Lease } from './lease.js';
export { LeaseTable, type LeaseTableSettings } from './lease-table.js';
export type { LeaseRetryOptions } from './retry.js';
