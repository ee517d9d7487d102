export { batchHandler, isBatchHandler } from './batch-handler.js';
export { processBatch } from './process-batch.js';
export type * from './types.js';
