// A plain record handler (ESM, default export).
export default async function handle(record) {
  return record.sequenceNumber;
}
export const notAHandler = 42;
