// The consumer account's side: it reads the producer's stream by ARN as its role
// kds-reader1-role-q6zcv9kq (assumed through STS), with the poller of @streamshare/poller.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { createLogger, FileCheckpointStore } from '@streamshare/core';
import { createPoller } from '@streamshare/poller';
import { CONSUMER_ACCOUNT, CONSUMER_ROLE_ARN } from './scenario.mjs';

/** How long a reader may take to see the record before the demo gives up. */
export const READ_TIMEOUT_MS = 20_000;

/** A promise with its resolve function outside. */
export function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * The consumer's identity: an STS client signed as the consumer account (the poller's own identity)
 * and the role it assumes for the Kinesis calls.
 * @param {string} stsEndpoint
 */
export function consumerIdentity(stsEndpoint) {
  const stsClient = new STSClient({
    region: 'us-east-1',
    endpoint: stsEndpoint,
    credentials: { accessKeyId: CONSUMER_ACCOUNT, secretAccessKey: 'demo-secret' },
    maxAttempts: 1,
  });
  return {
    stsClient,
    assumeRole: { roleArn: CONSUMER_ROLE_ARN, sessionName: 'streamshare-demo' },
    destroy: () => stsClient.destroy(),
  };
}

/**
 * Runs a poller on the stream (TRIM_HORIZON, file checkpoints in a temporary directory) until
 * `arrived` resolves, then stops it (the batch in hand finishes and is checkpointed). With
 * `consumerArn`, the poller reads each shard by SubscribeToShard as that consumer (enhanced fan-out).
 * @param {{ streamArn: string, consumerArn?: string, handler: Function, arrived: Promise<unknown>,
 *   consumer: ReturnType<typeof consumerIdentity>, timeoutMs?: number }} options
 * @returns {Promise<Record<string, import('@streamshare/core').Checkpoint>>} the checkpoints written
 */
export async function pollUntil({ streamArn, consumerArn, handler, arrived, consumer, timeoutMs = READ_TIMEOUT_MS }) {
  const checkpointDir = await mkdtemp(join(tmpdir(), 'streamshare-demo-'));
  const poller = createPoller({
    streamArn,
    ...(consumerArn === undefined ? {} : { consumerArn }),
    handler,
    startingPosition: 'TRIM_HORIZON',
    checkpointDir,
    // The poller builds its own Kinesis client for the ARN's region with the assumed role's
    // credentials (over HTTP/2 with a consumerArn); AWS_ENDPOINT_URL_KINESIS (set by the demo) points
    // it at kinesis-mock, or at the SubscribeToShard server in front of it.
    assumeRole: consumer.assumeRole,
    stsClient: consumer.stsClient,
    logger: createLogger({ level: 'warn' }),
    idleTimeBetweenReadsMs: 200,
    stopTimeoutMs: 5_000,
  });
  let timer;
  try {
    await poller.start();
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the record did not arrive within ${timeoutMs} ms of the poller's start`)),
        timeoutMs,
      );
    });
    const ended = poller.done.then(() => {
      throw new Error('the poller stopped before the record arrived');
    });
    await Promise.race([arrived, ended, timeout]);
  } finally {
    clearTimeout(timer);
    await poller.stop();
  }
  try {
    return await new FileCheckpointStore({ directory: checkpointDir }).getAll(streamArn);
  } finally {
    await rm(checkpointDir, { recursive: true, force: true });
  }
}
