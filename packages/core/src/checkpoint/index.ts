export type { Checkpoint, CheckpointStore } from './checkpoint.js';
