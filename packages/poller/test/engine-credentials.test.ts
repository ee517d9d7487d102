import { STSClient } from '@aws-sdk/client-sts';
import { MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { CredentialsError, createPoller } from '@streamshare/poller';
import { CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, putRecords, type StsServer, startStsServer } from '@streamshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { kinesisEndpoint, memoryLogger, producerClient, producerStream, waitFor } from './helpers/engine-env.js';

const ROLE_ARN = `arn:aws:iam::${PRODUCER_ACCOUNT}:role/streamshare-producer-read`;
const CONSUMER_SECRET = 'consumer-secret-key-do-not-log-0123456789';
const ENV_KEYS = [
  'AWS_ENDPOINT_URL_KINESIS',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_PROFILE',
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
let sts: StsServer | undefined;

afterEach(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await sts?.stop();
  sts = undefined;
});

/** The standard SDK environment of a container in the consumer account, pointed at the local servers. */
function consumerEnvironment(stsEndpoint: string): void {
  process.env.AWS_ENDPOINT_URL_KINESIS = kinesisEndpoint();
  process.env.AWS_ENDPOINT_URL_STS = stsEndpoint;
  process.env.AWS_ACCESS_KEY_ID = CONSUMER_ACCOUNT;
  process.env.AWS_SECRET_ACCESS_KEY = CONSUMER_SECRET;
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

describe('assumed-role credentials for the stream', () => {
  it('assumes the role from the SDK environment, refreshes 3-second credentials before they expire, and logs no secret', async () => {
    const streamArn = await producerStream('engine-creds', 1);
    sts = await startStsServer({ credentialLifetimeSeconds: 3, externalId: 'ext-123' });
    consumerEnvironment(sts.endpoint);

    // Capture what STS hands out (the real client, observed), to check that none of it reaches the logs.
    const secrets: string[] = [CONSUMER_SECRET];
    const stsClient = new STSClient({});
    stsClient.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const creds = (out.output as { Credentials?: { SecretAccessKey?: string; SessionToken?: string } }).Credentials;
        if (creds?.SecretAccessKey) secrets.push(creds.SecretAccessKey);
        if (creds?.SessionToken) secrets.push(creds.SessionToken);
        return out;
      },
      { step: 'initialize', name: 'captureIssuedCredentials' },
    );

    const { logger, lines } = memoryLogger('trace');
    const seen: string[] = [];
    const poller = createPoller({
      streamArn,
      handler: (record: StreamRecord<unknown>) => {
        seen.push(String(record.data));
      },
      codec: 'text',
      assumeRole: { roleArn: ROLE_ARN, externalId: 'ext-123', sessionName: 'engine-test', durationSeconds: 900 },
      stsClient,
      checkpointStore: new MemoryCheckpointStore(),
      idleTimeBetweenReadsMs: 200,
      logger,
    });
    await poller.start();
    // Records keep arriving over ~8 s, across several credential lifetimes.
    for (let round = 0; round < 4; round++) {
      await putRecords(producerClient(), streamArn, [{ data: `round-${round}`, partitionKey: 'k' }]);
      await waitFor(() => seen.length > round, `record of round ${round}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    await poller.stop();
    await poller.done;
    expect(seen).toEqual(['round-0', 'round-1', 'round-2', 'round-3']);

    const assumed = sts.calls.filter((call) => call.action === 'AssumeRole' && call.outcome === 'ok');
    // ~8 s of 3 s credentials refreshed at half-life: several AssumeRole calls, each before expiry.
    expect(assumed.length).toBeGreaterThanOrEqual(3);
    for (const call of assumed) {
      expect(call).toMatchObject({
        roleArn: ROLE_ARN,
        externalId: 'ext-123',
        roleSessionName: 'engine-test',
        callerAccount: CONSUMER_ACCOUNT,
      });
      expect(call.issued?.accessKeyId).toBe(PRODUCER_ACCOUNT);
    }
    for (let i = 1; i < assumed.length; i++) {
      // Each refresh came before the previous credentials expired.
      expect(assumed[i]!.at.getTime()).toBeLessThan(assumed[i - 1]!.issued!.expiration.getTime());
    }

    // Nothing secret in the logs (trace level: everything the poller says).
    expect(secrets.length).toBeGreaterThanOrEqual(1 + 2 * 3);
    const all = lines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(all).not.toContain(secret);
  });

  it('AssumeRole denied: start() fails with a CredentialsError naming the role, without secrets', async () => {
    const streamArn = await producerStream('engine-creds-denied', 1);
    sts = await startStsServer({ externalId: 'right-id' });
    consumerEnvironment(sts.endpoint);
    const { logger, lines } = memoryLogger('trace');
    const poller = createPoller({
      streamArn,
      handler: () => {},
      assumeRole: { roleArn: ROLE_ARN, externalId: 'wrong-id' },
      checkpointStore: new MemoryCheckpointStore(),
      logger,
    });
    const error = await poller.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).code).toBe('ASSUME_ROLE_FAILED');
    expect((error as Error).message).toContain(ROLE_ARN);
    expect((error as Error).message).toMatch(/trust policy/);
    expect(lines.join('\n')).not.toContain(CONSUMER_SECRET);
  });
});
