import { createHash } from 'node:crypto';
import { splitArn } from '../aws/arn.js';

/** Digits only (an empty account too): the accounts a file name shows. */
const DIGITS = /^\d*$/;
/** Line terminators: a stream name holding one is not shown (the whole ARN is, as it always was). */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * A file name for a stream's checkpoints: readable (region, account, stream name) and unique (a
 * hash of the whole ARN), safe on every file system, e.g.
 * `us-east-1.999900009999.kds-sharing-example1.3f2a9c1d04b7e6a8.json`.
 *
 * The names must never change (the files of earlier versions are found by them): test
 * `checkpoint-file-name.test.ts` holds a table of them.
 */
export function checkpointFileName(streamArn: string): string {
  const hash = createHash('sha256').update(streamArn).digest('hex').slice(0, 16);
  const safe = readablePart(streamArn)
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 160);
  return `${safe}.${hash}.json`;
}

/**
 * `<region>.<account>.<stream name>` of a Kinesis stream ARN, read leniently with core's ARN parser
 * (any partition but an empty one, any region, an account of digits or none, a non-empty stream
 * name, which may hold `:` and `/`, but no line terminator); anything else is shown whole.
 */
function readablePart(streamArn: string): string {
  const arn = splitArn(streamArn);
  if (
    arn === undefined ||
    arn.partition === '' ||
    arn.service !== 'kinesis' ||
    !DIGITS.test(arn.account) ||
    !arn.resource.startsWith('stream/')
  ) {
    return streamArn;
  }
  const name = arn.resource.slice('stream/'.length);
  return name === '' || LINE_TERMINATOR.test(name) ? streamArn : `${arn.region}.${arn.account}.${name}`;
}
