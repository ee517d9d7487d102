/**
 * Marks a function made by `kinesisHandler` of @streamshare/lambda-adapter, so that the poller can
 * recognise it and deliver Lambda-format events to it, without either package importing the other.
 */
export const KINESIS_LAMBDA_HANDLER: unique symbol = Symbol.for('@streamshare/kinesis-lambda-handler') as never;

/** True when `fn` was made by `kinesisHandler` (it carries the marker). */
export function isKinesisLambdaHandler(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[KINESIS_LAMBDA_HANDLER] === true;
}
