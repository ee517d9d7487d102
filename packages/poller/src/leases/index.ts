export { type BalanceInput, type BalancePlan, isProcessable, planTakes } from './balance.js';
export { checkpointOrderKey, compareCheckpointPositions } from './checkpoint-order.js';
export {
  DEFAULT_FAILOVER_TIME_MS,
  DynamoDbLeaseCoordinator,
  type DynamoDbLeaseCoordinatorOptions,
  defaultWorkerId,
} from './dynamodb-lease-coordinator.js';
export { LEASE_TABLE_ACTIONS, type LeaseTableAction, LeaseTableError, type LeaseTableErrorCode } from './errors.js';
export { ExpiryTracker } from './expiry-tracker.js';
export { ATTR as LEASE_ATTRIBUTES, type Lease } from './lease.js';
export { LeaseTable, type LeaseTableSettings } from './lease-table.js';
export type { LeaseRetryOptions } from './retry.js';
