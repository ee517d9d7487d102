export {
  type EventReading,
  RESOURCE_IN_USE_BACKOFF,
  readShardEvent,
  type SubscriptionVerdict,
  subscriptionVerdict,
  TRANSIENT_BACKOFF,
} from './decide.js';
export { continuationStartingPosition, subscribeStartingPosition } from './position.js';
export {
  type ResubscribeReason,
  type ShardSubscriptionOptions,
  type SubscriptionObserver,
  type SubscriptionPage,
  subscribeShard,
} from './subscribe-shard.js';
