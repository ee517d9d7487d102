export { batchHandler, isBatchHandler } from './batch-handler.js';
export { fromKinesisRecords, kinesisRecords } from './kinesis-records.js';
export { lambdaRecords } from './lambda-records.js';
export { processBatch } from './process-batch.js';
export type * from './types.js';
