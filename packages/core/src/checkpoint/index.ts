export type { Checkpoint, CheckpointStore, SequenceCheckpoint } from './checkpoint.js';
export { checkpointOf, compareCheckpoints } from './compare.js';
export { type CheckpointFile, FileCheckpointStore, type FileCheckpointStoreOptions } from './file-store.js';
export { CheckpointLockedError, type LockHolder } from './lock-error.js';
export { MemoryCheckpointStore } from './memory-store.js';
