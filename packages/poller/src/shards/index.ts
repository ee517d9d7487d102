export {
  type DiscoveryMethod,
  ShardDiscovery,
  type ShardDiscoveryOptions,
  toShardDescriptor,
} from './discover-shards.js';
