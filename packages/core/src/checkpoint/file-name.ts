import { createHash } from 'node:crypto';

const ARN = /^arn:[^:]+:kinesis:([^:]*):(\d*):stream\/(.+)$/;

/**
 * A file name for a stream's checkpoints: readable (region, account, stream name) and unique (a
 * hash of the whole ARN), safe on every file system, e.g.
 * `us-east-1.999900009999.kds-sharing-example1.3f2a9c1d04b7e6a8.json`.
 */
export function checkpointFileName(streamArn: string): string {
  const hash = createHash('sha256').update(streamArn).digest('hex').slice(0, 16);
  const match = ARN.exec(streamArn);
  const readable = match ? `${match[1]}.${match[2]}.${match[3]}` : streamArn;
  const safe = readable
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 160);
  return `${safe}.${hash}.json`;
}
