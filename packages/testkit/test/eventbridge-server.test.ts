import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type EventBridgeServer, startEventBridgeServer, toDeliveredEvent } from '@streamshare/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const BUS = 'arn:aws:events:ap-northeast-1:777700007777:event-bus/shared-bus';

let server: EventBridgeServer;
let client: EventBridgeClient;

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

function entry(detail: object, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return { Source: 'test.source', DetailType: 'Test', Detail: JSON.stringify(detail), EventBusName: BUS, ...extra };
}

/** An entry whose documented size is exactly `size` bytes (Source 11 + DetailType 4 + Detail). */
function entryOfSize(size: number): PutEventsRequestEntry {
  const pad = size - 11 - 4 - '{"p":""}'.length;
  return entry({ p: 'x'.repeat(pad) });
}

describe('loopback EventBridge PutEvents', () => {
  it('accepts entries in order, answers EventIds, and records the call and the events', async () => {
    const time = new Date('2024-02-28T06:15:11.667Z');
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ n: 1 }, { Time: time, Resources: ['arn:aws:kinesis:us-east-1:1:stream/s'] }),
          entry({ n: 2 }),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.map((e) => e.EventId)).toEqual(server.events.map((e) => e.id));
    expect(server.events.map((e) => JSON.parse(e.detail).n)).toEqual([1, 2]);
    expect(server.events[0]).toMatchObject({ region: 'ap-northeast-1', account: '777700007777', eventBusName: BUS });
    expect(server.events[0]!.time.toISOString()).toBe(time.toISOString());
    const delivered = toDeliveredEvent(server.events[0]!);
    expect(delivered).toMatchObject({ 'detail-type': 'Test', time: '2024-02-28T06:15:11Z', detail: { n: 1 } });
    // Source 11 + DetailType 4 + Detail 7 + Time 14 + resource 36
    expect(server.calls).toEqual([
      { call: 1, entryCount: 2, size: 11 + 4 + 7 + 14 + 36 + 11 + 4 + 7, status: 200, failedEntryCount: 0 },
    ]);
  });

  it('refuses more than 10 entries with a ValidationException', async () => {
    const entries = Array.from({ length: 11 }, (_, n) => entry({ n }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10'),
      $metadata: { httpStatusCode: 400 },
    });
    expect(server.events).toHaveLength(0);
    await expect(client.send(new PutEventsCommand({ Entries: entries.slice(0, 10) }))).resolves.toMatchObject({
      FailedEntryCount: 0,
    });
  });

  it('accepts a request of exactly 256 KiB by the documented formula and refuses one byte more', async () => {
    const half = 131_072;
    expect(
      (await client.send(new PutEventsCommand({ Entries: [entryOfSize(half), entryOfSize(half)] }))).FailedEntryCount,
    ).toBe(0);
    expect(server.calls[0]!.size).toBe(262_144);
    await expect(
      client.send(new PutEventsCommand({ Entries: [entryOfSize(half), entryOfSize(half + 1)] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(server.calls[1]).toMatchObject({ size: 262_145, status: 400, errorType: 'ValidationException' });
    expect(server.events).toHaveLength(2);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    await client.send(new PutEventsCommand({ Entries: [entry({ s: 'é日' })] }));
    expect(server.calls[0]!.size).toBe(11 + 4 + '{"s":"'.length + 2 + 3 + '"}'.length);
  });

  it('injects per-entry failures by plan and reports them like the service', async () => {
    server.setFailures([
      { errorCode: 'ThrottlingException', match: (e) => JSON.parse(e.detail).n === 1, times: 1 },
      { errorCode: 'AccessDeniedException', match: (_e, info) => info.index === 2 },
    ]);
    const entries = [0, 1, 2, 3].map((n) => entry({ n }));
    const first = await client.send(new PutEventsCommand({ Entries: entries }));
    expect(first.FailedEntryCount).toBe(2);
    expect(first.Entries?.[1]).toMatchObject({ ErrorCode: 'ThrottlingException' });
    expect(first.Entries?.[2]).toMatchObject({ ErrorCode: 'AccessDeniedException' });
    expect(first.Entries?.[2]?.EventId).toBeUndefined();
    expect(server.events.map((e) => JSON.parse(e.detail).n)).toEqual([0, 3]);
    const second = await client.send(new PutEventsCommand({ Entries: [entries[1]!] }));
    expect(second.FailedEntryCount).toBe(0);
  });

  it('passes `seen` so a decider can fail only first attempts', async () => {
    server.setFailures((_e, info) => (info.seen === 1 ? 'InternalFailure' : undefined));
    const one = entry({ n: 'x' });
    expect((await client.send(new PutEventsCommand({ Entries: [one] }))).Entries?.[0]?.ErrorCode).toBe(
      'InternalFailure',
    );
    expect((await client.send(new PutEventsCommand({ Entries: [one] }))).FailedEntryCount).toBe(0);
  });

  it('reports malformed Detail per entry', async () => {
    const out = await client.send(
      new PutEventsCommand({ Entries: [entry({}, { Detail: '[1' }), entry({ ok: true })] }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
  });

  it('fails whole calls on request', async () => {
    server.failCalls({ status: 500, type: 'InternalException', times: 1 });
    await expect(client.send(new PutEventsCommand({ Entries: [entry({})] }))).rejects.toMatchObject({
      name: 'InternalException',
      $metadata: { httpStatusCode: 500 },
    });
    await expect(client.send(new PutEventsCommand({ Entries: [entry({})] }))).resolves.toMatchObject({
      FailedEntryCount: 0,
    });
  });

  it('answers protocol errors as AWS JSON 1.1 error bodies', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
        body,
      });
    const unsigned = await post({ 'x-amz-target': 'AWSEvents.PutEvents' }, '{"Entries":[]}');
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    const auth = {
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK/20240228/ap-northeast-1/events/aws4_request',
    };
    const unknown = await post({ ...auth, 'x-amz-target': 'AWSEvents.PutRule' }, '{}');
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');
    const empty = await post({ ...auth, 'x-amz-target': 'AWSEvents.PutEvents' }, '{"Entries":[]}');
    expect(await empty.json()).toMatchObject({
      __type: 'ValidationException',
      message: expect.stringContaining('greater than or equal to 1'),
    });
    const garbled = await post({ ...auth, 'x-amz-target': 'AWSEvents.PutEvents' }, '{"Entries":');
    expect(((await garbled.json()) as { __type: string }).__type).toBe('SerializationException');
    expect(unknown.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(server.events).toHaveLength(0);
  });
});
