import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createLogger, silentLogger } from '@streamshare/core';
import { toLambdaKinesisEvent } from '@streamshare/core/internal';
import { kinesisHandler } from '@streamshare/lambda-adapter';
import { startEventBridgeServer, toDeliveredEvent } from '@streamshare/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createForwarder } from '../src/forwarder.mjs';
import { createReceiver } from '../src/receiver.mjs';
import { handleRecord } from '../src/record-handler.mjs';

const BUS_ARN = 'arn:aws:events:ap-northeast-1:777700007777:event-bus/kds-shared-bus';
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';

function capture() {
  const chunks = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ destination });
  const handled = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => line.msg === 'record handled')
      .map(({ stream, shardId, partitionKey, sequenceNumber, subSequenceNumber, arrivedAt, data }) => ({
        stream,
        shardId,
        partitionKey,
        sequenceNumber,
        subSequenceNumber,
        arrivedAt,
        data,
      }));
  return { logger, handled };
}

async function streamEvent() {
  const reference = JSON.parse(await readFile(new URL('../events/reference-event.json', import.meta.url), 'utf8'));
  const more = toLambdaKinesisEvent(
    [
      { n: 1, data: new TextEncoder().encode('{"order":1,"items":["a","b"]}') },
      { n: 2, data: new TextEncoder().encode('plain text line') },
      { n: 3, data: new TextEncoder().encode('{"order":3}') },
    ].map(({ n, data }) => ({
      streamArn: STREAM_ARN,
      shardId: 'shardId-000000000000',
      partitionKey: `DUMMY${n + 1}`,
      sequenceNumber: (49649683864473953433843496278632352517587667908684677122n + BigInt(n)).toString(),
      approximateArrivalTimestamp: new Date(1_709_100_911_667 + n * 1000),
      data,
    })),
    { invokeIdentityArn: 'arn:aws:iam::888800008888:role/kds-forwarder-role' },
  );
  return { Records: [...reference.Records, ...more.Records] };
}

let server;
let client;

beforeAll(async () => {
  server = await startEventBridgeServer();
  client = new EventBridgeClient({
    region: 'ap-northeast-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await server.stop();
});
beforeEach(() => server.reset());

describe('examples/cross-region-eventbridge', () => {
  it('forwarder (us-east-1) -> bus -> receiver (ap-northeast-1) runs the same handler on the same records', async () => {
    const event = await streamEvent();

    const direct = capture();
    await kinesisHandler(handleRecord, { codec: 'auto', logger: direct.logger })(event);

    const forwarder = createForwarder({ eventBusArn: BUS_ARN, client, handlerOptions: { logger: silentLogger } });
    expect(await forwarder(event)).toEqual({ batchItemFailures: [] });
    expect(server.events).toHaveLength(4);
    expect(server.events.every((e) => e.region === 'ap-northeast-1' && e.account === '777700007777')).toBe(true);

    const received = capture();
    const receiver = createReceiver({ logger: received.logger });
    for (const e of server.events) await receiver(toDeliveredEvent(e));

    expect(received.handled()).toEqual(direct.handled());
    expect(received.handled()[0]).toMatchObject({
      partitionKey: 'DUMMY1',
      sequenceNumber: '49649683864473953433843496278632352517587667908684677122',
      arrivedAt: '2024-02-28T06:15:11.667Z',
      data: { this_is: 'test record' },
    });
  });

  it('reports the first record the bus refused to Lambda, so Lambda retries from it', async () => {
    server.setFailures([
      { errorCode: 'AccessDeniedException', match: (e) => JSON.parse(e.detail).partitionKey === 'DUMMY3' },
    ]);
    const forwarder = createForwarder({ eventBusArn: BUS_ARN, client, handlerOptions: { logger: silentLogger } });
    const response = await forwarder(await streamEvent());
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: '49649683864473953433843496278632352517587667908684677124' }],
    });
  });

  it("the bus policy lets exactly the forwarder's role put events on the bus", async () => {
    const policy = JSON.parse(await readFile(new URL('../policy/event-bus-policy.json', import.meta.url), 'utf8'));
    const forwarderTemplate = await readFile(new URL('../forwarder.yaml', import.meta.url), 'utf8');
    const [statement] = policy.Statement;
    expect(statement).toMatchObject({ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN });
    expect(statement.Principal.AWS).toBe('arn:aws:iam::888800008888:role/kds-forwarder-role');
    expect(forwarderTemplate).toContain(`Default: ${BUS_ARN}`);
    expect(forwarderTemplate).toContain('RoleName: kds-forwarder-role');
  });
});
