export {
  type DiscoveryMethod,
  type ListingLimits,
  ShardDiscovery,
  type ShardDiscoveryOptions,
  toShardDescriptor,
} from './discover-shards.js';
