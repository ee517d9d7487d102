import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CONSUMER_ACCOUNT,
  createStream,
  kinesisClient,
  PRODUCER_ACCOUNT,
  type StsServer,
  startStsServer,
} from '@streamshare/testkit';
import { afterEach, describe, expect, inject, it } from 'vitest';

const ROLE = `arn:aws:iam::${PRODUCER_ACCOUNT}:role/kds-sharing-reader`;
let sts: StsServer | undefined;
afterEach(async () => {
  await sts?.stop();
  sts = undefined;
});

const stsClient = (endpoint: string, maxAttempts = 1) =>
  new STSClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: CONSUMER_ACCOUNT, secretAccessKey: 'test' },
  });

describe('startStsServer', () => {
  it('answers AssumeRole through the real STSClient with credentials whose key id is the role account', async () => {
    sts = await startStsServer({ credentialLifetimeSeconds: 2 });
    const before = Date.now();
    const out = await stsClient(sts.endpoint).send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'poller-1', ExternalId: 'ext-1', DurationSeconds: 900 }),
    );
    expect(out.Credentials?.AccessKeyId).toBe(PRODUCER_ACCOUNT);
    expect(out.Credentials?.SecretAccessKey).toMatch(/.{20,}/);
    expect(out.Credentials?.SessionToken).toMatch(/.{20,}/);
    const after = Date.now();
    // Expiration is whole seconds (as STS sends it): now + 2 s, rounded down.
    const expiration = out.Credentials!.Expiration!.getTime();
    expect(expiration).toBeGreaterThan(before + 1000);
    expect(expiration).toBeLessThanOrEqual(after + 2000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${PRODUCER_ACCOUNT}:assumed-role/kds-sharing-reader/poller-1`);
    expect(sts.calls).toEqual([
      expect.objectContaining({
        action: 'AssumeRole',
        callerAccount: CONSUMER_ACCOUNT,
        roleArn: ROLE,
        roleSessionName: 'poller-1',
        externalId: 'ext-1',
        durationSeconds: 900,
        outcome: 'ok',
        issued: { accessKeyId: PRODUCER_ACCOUNT, expiration: out.Credentials!.Expiration },
      }),
    ]);
    expect(JSON.stringify(sts.calls)).not.toContain(out.Credentials!.SessionToken!);
    expect(JSON.stringify(sts.calls)).not.toContain(out.Credentials!.SecretAccessKey!);

    const assumed = new STSClient({
      endpoint: sts.endpoint,
      region: 'us-east-1',
      credentials: {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      },
    });
    const who = await assumed.send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: PRODUCER_ACCOUNT, Arn: out.AssumedRoleUser!.Arn });
  });

  it('denies a wrong external id and an unlisted role with AccessDenied in STS wording', async () => {
    sts = await startStsServer({ externalId: 'right', allowedRoleArns: [ROLE] });
    const client = stsClient(sts.endpoint);
    await expect(
      client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's1', ExternalId: 'wrong' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:iam::${CONSUMER_ACCOUNT}:user/streamshare-test is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    });
    const other = `arn:aws:iam::${PRODUCER_ACCOUNT}:role/other`;
    await expect(
      client.send(new AssumeRoleCommand({ RoleArn: other, RoleSessionName: 's1', ExternalId: 'right' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's1', ExternalId: 'right' })),
    ).resolves.toBeDefined();
    expect(sts.calls.map((c) => c.outcome)).toEqual(['AccessDenied', 'AccessDenied', 'ok']);
  });

  it('validates input as STS does', async () => {
    sts = await startStsServer();
    const client = stsClient(sts.endpoint);
    await expect(
      client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's1', DurationSeconds: 60 })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('greater than or equal to 900'),
    });
    await expect(
      client.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:lambda:us-east-1:1:function:f', RoleSessionName: 's1' })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('injects failures: a counted throttle the SDK retries through, and dropped connections', async () => {
    sts = await startStsServer();
    sts.setFailure({ code: 'Throttling', message: 'Rate exceeded', times: 1 });
    const retrying = stsClient(sts.endpoint, 3);
    await expect(retrying.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's1' }))).resolves.toBeDefined();
    expect(sts.calls.map((c) => c.outcome)).toEqual(['Throttling', 'ok']);

    sts.setFailure({ drop: true, action: 'AssumeRole' });
    await expect(
      stsClient(sts.endpoint).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's1' })),
    ).rejects.toThrow();
    await expect(stsClient(sts.endpoint).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: CONSUMER_ACCOUNT,
    });
    sts.setFailure({ code: 'AccessDenied' });
    await expect(stsClient(sts.endpoint).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('hands kinesis-mock the role account: a client with assumed credentials sees that account', async () => {
    sts = await startStsServer({ credentialLifetimeSeconds: 2 });
    const endpoint = inject('kinesisEndpoint');
    const name = `sts-${Date.now()}`;
    await createStream(kinesisClient({ endpoint, account: PRODUCER_ACCOUNT }), name, 1);
    const client = stsClient(sts.endpoint);
    const provider = async () => {
      const { Credentials: c } = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'kin' }));
      return {
        accessKeyId: c!.AccessKeyId!,
        secretAccessKey: c!.SecretAccessKey!,
        sessionToken: c!.SessionToken!,
        expiration: c!.Expiration!,
      };
    };
    const kinesis = kinesisClient({ endpoint, credentials: provider });
    expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toContain(name);
    await kinesis.send(new ListStreamsCommand({}));
    // The SDK treats credentials expiring within 5 minutes as expired, so a bare provider of
    // short-lived ones is called again for every request (more than once, in fact).
    expect(sts.calls.filter((c) => c.action === 'AssumeRole').length).toBeGreaterThanOrEqual(2);
  });
});
