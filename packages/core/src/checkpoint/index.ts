export type { Checkpoint, CheckpointStore } from './checkpoint.js';
export { checkpointOf, compareCheckpoints } from './compare.js';
export { CheckpointLockedError, type LockHolder } from './directory-lock.js';
export { type CheckpointFile, FileCheckpointStore, type FileCheckpointStoreOptions } from './file-store.js';
export { MemoryCheckpointStore } from './memory-store.js';
