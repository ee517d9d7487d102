export * from './consumer-option.js';
export * from './decide.js';
export * from './heartbeat-checkpoint.js';
export * from './position.js';
export * from './subscribe-shard.js';
export * from './timing-options.js';
