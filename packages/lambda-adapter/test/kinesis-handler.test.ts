import { batchHandler, HandlerError, RetryableError, type StreamRecord } from '@streamshare/core';
import { isKinesisLambdaHandler } from '@streamshare/core/internal';
import { BatchFailedError, InvalidOptionError, kinesisHandler } from '@streamshare/lambda-adapter';
import { describe, expect, it } from 'vitest';
import {
  CONSOLE_TEST_EVENT,
  fakeContext,
  kinesisEvent,
  kplAggregate,
  quiet,
  REFERENCE_EVENT,
  type RecordSpec,
  STREAM_ARN,
  seq,
  sleep,
} from './fixtures.js';

describe('kinesisHandler: the reference scenario', () => {
  it('hands the reference event of DESIGN.md to the handler decoded, and reports nothing', async () => {
    const seen: StreamRecord<unknown>[] = [];
    const handler = kinesisHandler(
      (record) => {
        seen.push(record);
      },
      { logger: quiet },
    );
    const response = await handler(structuredClone(REFERENCE_EVENT), fakeContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.data).toEqual({ this_is: 'test record' });
    expect(seen[0]).toMatchObject({
      streamArn: STREAM_ARN,
      shardId: 'shardId-000000000000',
      partitionKey: 'DUMMY1',
      sequenceNumber: '49649683864473953433843496278632352517587667908684677122',
    });
    expect(seen[0]!.approximateArrivalTimestamp.getTime()).toBe(1709100911667);
  });

  it("runs the Lambda console's Kinesis test event (plain text) with the default codec", async () => {
    const seen: unknown[] = [];
    const handler = kinesisHandler(
      (record) => {
        seen.push(record.data);
      },
      { logger: quiet },
    );
    const response = await handler(structuredClone(CONSOLE_TEST_EVENT), fakeContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(['Hello, this is a test.', 'This is only a test.']);
  });

  it('carries the marker the poller looks for', () => {
    expect(isKinesisLambdaHandler(kinesisHandler(() => undefined, { logger: quiet }))).toBe(true);
    expect(isKinesisLambdaHandler(async () => ({ batchItemFailures: [] }))).toBe(false);
  });

  it('answers an event without records with no failures', async () => {
    const handler = kinesisHandler(() => undefined, { logger: quiet });
    await expect(handler({ Records: [] }, fakeContext())).resolves.toEqual({ batchItemFailures: [] });
  });

  it('works without a context (no deadline)', async () => {
    const handler = kinesisHandler(() => undefined, { logger: quiet });
    await expect(handler(structuredClone(REFERENCE_EVENT))).resolves.toEqual({ batchItemFailures: [] });
  });
});

describe('kinesisHandler: the first record not done', () => {
  const N = 6;
  for (let failAt = 0; failAt < N; failAt++) {
    it(`reports record ${failAt} of ${N} when it fails, and starts none after it`, async () => {
      const started: number[] = [];
      const handler = kinesisHandler<{ i: number }>(
        (record) => {
          started.push(record.data.i);
          if (record.data.i === failAt) throw new Error(`boom at ${failAt}`);
        },
        { codec: 'json', logger: quiet, retry: { attempts: 1 } },
      );
      const event = kinesisEvent(Array.from({ length: N }, (_, i) => ({ data: { i }, key: 'same-key' })));
      const response = await handler(event, fakeContext());
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(failAt) }] });
      expect(started).toEqual(Array.from({ length: failAt + 1 }, (_, i) => i));
    });
  }

  it('with concurrency, other keys go on and the earliest record not done is reported', async () => {
    // Keys: a b a b a b a b; a fails at position 4, b fails at position 3: the earliest not done is 3.
    const specs: RecordSpec[] = Array.from({ length: 8 }, (_, i) => ({
      data: { i },
      key: i % 2 === 0 ? 'a' : 'b',
    }));
    const started: number[] = [];
    const handler = kinesisHandler<{ i: number }>(
      async (record) => {
        started.push(record.data.i);
        await sleep(5);
        if (record.data.i === 4 || record.data.i === 3) throw new Error(`fail ${record.data.i}`);
      },
      { codec: 'json', concurrency: 2, logger: quiet, retry: { attempts: 1 } },
    );
    const response = await handler(kinesisEvent(specs), fakeContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(3) }] });
    // Nothing after a failure in its key: a stops after 4, b after 3.
    expect(started.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
  });

  it('with concurrency, a failure in one key does not stop the others', async () => {
    const specs: RecordSpec[] = [
      { data: { i: 0 }, key: 'a' },
      { data: { i: 1 }, key: 'b' },
      { data: { i: 2 }, key: 'a' },
      { data: { i: 3 }, key: 'b' },
      { data: { i: 4 }, key: 'b' },
    ];
    const started: number[] = [];
    const handler = kinesisHandler<{ i: number }>(
      async (record) => {
        started.push(record.data.i);
        if (record.data.i === 0) throw new Error('a fails first');
        await sleep(2);
      },
      { codec: 'json', concurrency: 4, logger: quiet, retry: { attempts: 1 } },
    );
    const response = await handler(kinesisEvent(specs), fakeContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(0) }] });
    expect(started.sort()).toEqual([0, 1, 3, 4]);
  });

  it('retries a retryable failure in place before reporting', async () => {
    let calls = 0;
    const handler = kinesisHandler(
      () => {
        calls++;
        if (calls === 1) throw new RetryableError('throttled');
      },
      { logger: quiet, retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 2 } },
    );
    await expect(handler(structuredClone(REFERENCE_EVENT), fakeContext())).resolves.toEqual({
      batchItemFailures: [],
    });
    expect(calls).toBe(2);
  });

  it('hands a poison record to the dead-letter callback and goes on', async () => {
    const dead: string[] = [];
    const seen: number[] = [];
    const handler = kinesisHandler<{ i: number }>(
      (record) => {
        if (record.data.i === 1) throw new Error('poison');
        seen.push(record.data.i);
      },
      {
        codec: 'json',
        logger: quiet,
        retry: { attempts: 1 },
        deadLetter: async (record) => {
          dead.push(record.sequenceNumber);
        },
      },
    );
    const response = await handler(kinesisEvent([0, 1, 2].map((i) => ({ data: { i } }))), fakeContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dead).toEqual([seq(1)]);
    expect(seen).toEqual([0, 2]);
  });

  it('takes a batch handler and reports the record it stopped at', async () => {
    const handler = kinesisHandler(
      batchHandler((records) => ({ done: 2, error: new Error(`stopped after 2 of ${records.length}`) })),
      { logger: quiet, retry: { attempts: 1 } },
    );
    const response = await handler(kinesisEvent([0, 1, 2, 3].map((i) => ({ data: { i } }))), fakeContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(2) }] });
  });
});

describe('kinesisHandler: KPL aggregates', () => {
  it('expands an aggregate in place, in order, with sub-sequence numbers', async () => {
    const aggregate = await kplAggregate([
      { key: 'u1', data: { u: 1 } },
      { key: 'u2', data: { u: 2 }, explicitHashKey: '12345' },
      { key: 'u3', data: { u: 3 } },
    ]);
    const event = kinesisEvent([{ data: { p: 0 } }, { data: aggregate, key: 'agg' }, { data: { p: 2 } }]);
    const seen: StreamRecord<unknown>[] = [];
    const handler = kinesisHandler(
      (record) => {
        seen.push(record);
      },
      { logger: quiet },
    );
    await expect(handler(event, fakeContext())).resolves.toEqual({ batchItemFailures: [] });
    expect(seen.map((r) => r.data)).toEqual([{ p: 0 }, { u: 1 }, { u: 2 }, { u: 3 }, { p: 2 }]);
    expect(seen.slice(1, 4).map((r) => [r.sequenceNumber, r.subSequenceNumber, r.partitionKey])).toEqual([
      [seq(1), 0, 'u1'],
      [seq(1), 1, 'u2'],
      [seq(1), 2, 'u3'],
    ]);
    expect(seen[2]!.explicitHashKey).toBe('12345');
  });

  it("reports a failure inside an aggregate with the aggregate's sequence number", async () => {
    const aggregate = await kplAggregate([
      { key: 'u1', data: { u: 1 } },
      { key: 'u1', data: { u: 2 } },
      { key: 'u1', data: { u: 3 } },
    ]);
    const event = kinesisEvent([{ data: { p: 0 }, key: 'u1' }, { data: aggregate }, { data: { p: 2 }, key: 'u1' }]);
    const seen: unknown[] = [];
    const handler = kinesisHandler<{ u?: number; p?: number }>(
      (record) => {
        seen.push(record.data);
        if (record.data.u === 2) throw new Error('user record 2 fails');
      },
      { codec: 'json', logger: quiet, retry: { attempts: 1 } },
    );
    const response = await handler(event, fakeContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    expect(seen).toEqual([{ p: 0 }, { u: 1 }, { u: 2 }]);
  });

  it('reports a corrupt aggregate as that record', async () => {
    const aggregate = await kplAggregate([
      { key: 'u1', data: { u: 1 } },
      { key: 'u2', data: { u: 2 } },
    ]);
    const last = aggregate.length - 1;
    aggregate.writeUInt8(aggregate.readUInt8(last) ^ 0xff, last); // break the MD5 trailer
    const seen: unknown[] = [];
    const handler = kinesisHandler(
      (record) => {
        seen.push(record.data);
      },
      { logger: quiet },
    );
    const response = await handler(kinesisEvent([{ data: { p: 0 } }, { data: aggregate }, { data: { p: 2 } }]));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    expect(seen).toEqual([{ p: 0 }]);
  });

  it('passes an aggregate through whole with deaggregate: false', async () => {
    const aggregate = await kplAggregate([{ key: 'u1', data: 'x' }]);
    const seen: Uint8Array[] = [];
    const handler = kinesisHandler<Uint8Array>(
      (record) => {
        seen.push(record.data);
      },
      { codec: 'bytes', deaggregate: false, logger: quiet },
    );
    await handler(kinesisEvent([{ data: aggregate }]));
    expect(Buffer.from(seen[0]!)).toEqual(aggregate);
  });
});

describe('kinesisHandler: records that cannot be read', () => {
  it('reports a record that does not decode, and starts none after it', async () => {
    const seen: unknown[] = [];
    const handler = kinesisHandler(
      (record) => {
        seen.push(record.data);
      },
      { codec: 'json', logger: quiet },
    );
    const event = kinesisEvent([{ data: { i: 0 } }, { data: 'not json {' }, { data: { i: 2 } }]);
    await expect(handler(event, fakeContext())).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    expect(seen).toEqual([{ i: 0 }]);
  });

  it('fails a record whose data is not base64 as that record only', async () => {
    const seen: unknown[] = [];
    const handler = kinesisHandler(
      (record) => {
        seen.push(record.data);
      },
      { logger: quiet },
    );
    const event = kinesisEvent([{ data: { i: 0 } }, { rawData: 'this is not base64!' }, { data: { i: 2 } }]);
    await expect(handler(event, fakeContext())).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    expect(seen).toEqual([{ i: 0 }]);
  });

  it('dead-letters a record that is not base64 when a dead-letter callback is set', async () => {
    const dead: { seq: string; code: unknown }[] = [];
    const seen: unknown[] = [];
    const handler = kinesisHandler(
      (record) => {
        seen.push(record.data);
      },
      {
        logger: quiet,
        deadLetter: async (record, error) => {
          dead.push({ seq: record.sequenceNumber, code: (error as { code?: string }).code });
        },
      },
    );
    const event = kinesisEvent([{ data: { i: 0 } }, { rawData: '%%%%' }, { data: { i: 2 } }]);
    await expect(handler(event, fakeContext())).resolves.toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([{ i: 0 }, { i: 2 }]);
    expect(dead).toEqual([{ seq: seq(1), code: 'DECODE_FAILED' }]);
  });
});

describe('kinesisHandler: the deadline', () => {
  it('starts no record after the deadline and reports the first one not started', async () => {
    const started: number[] = [];
    const handler = kinesisHandler<{ i: number }>(
      async (record) => {
        started.push(record.data.i);
        await sleep(60);
      },
      { codec: 'json', logger: quiet, deadlineMarginMs: 1_000 },
    );
    const event = kinesisEvent(Array.from({ length: 20 }, (_, i) => ({ data: { i } })));
    // 1.3 s left, 1 s margin: about 300 ms of starts, 60 ms per record.
    const response = await handler(event, fakeContext(1_300));
    const next = started.length;
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThan(20);
    expect(started).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(next) }] });
  });

  it('starts nothing when the remaining time is already below the margin', async () => {
    let calls = 0;
    const handler = kinesisHandler(
      () => {
        calls++;
      },
      { logger: quiet, deadlineMarginMs: 500 },
    );
    const response = await handler(kinesisEvent([{ data: { i: 0 } }, { data: { i: 1 } }]), fakeContext(400));
    expect(calls).toBe(0);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(0) }] });
  });

  it('rejects a negative margin when the handler is built', () => {
    expect(() => kinesisHandler(() => undefined, { deadlineMarginMs: -1 })).toThrow(InvalidOptionError);
    expect(() => kinesisHandler(() => undefined, { deadlineMarginMs: -1 })).toThrow(/deadlineMarginMs/);
  });
});

describe('kinesisHandler: reportBatchItemFailures false', () => {
  it('throws a BatchFailedError naming the first record not done', async () => {
    const handler = kinesisHandler<{ i: number }>(
      (record) => {
        if (record.data.i === 1) throw new Error('nope');
      },
      { codec: 'json', logger: quiet, reportBatchItemFailures: false, retry: { attempts: 1 } },
    );
    const error = await handler(kinesisEvent([0, 1, 2].map((i) => ({ data: { i } }))), fakeContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchFailedError);
    const failure = error as BatchFailedError;
    expect(failure.code).toBe('BATCH_FAILED');
    expect(failure.record.sequenceNumber).toBe(seq(1));
    expect(failure.reason).toBe('handler');
    expect(failure.cause).toBeInstanceOf(HandlerError);
    expect(failure.message).toContain(seq(1));
    expect(failure.message).toContain('reportBatchItemFailures');
  });

  it('returns no failures when every record is done', async () => {
    const handler = kinesisHandler(() => undefined, { logger: quiet, reportBatchItemFailures: false });
    await expect(handler(structuredClone(REFERENCE_EVENT), fakeContext())).resolves.toEqual({ batchItemFailures: [] });
  });
});

describe('kinesisHandler: options', () => {
  it('refuses a handler that is neither a function nor a batch handler', () => {
    expect(() => kinesisHandler({} as never)).toThrow(InvalidOptionError);
  });

  it('refuses a codec name it does not know', () => {
    expect(() => kinesisHandler(() => undefined, { codec: 'yaml' as never })).toThrow(/yaml/);
  });

  it('calls the hooks', async () => {
    const outcomes: string[] = [];
    let total = -1;
    const handler = kinesisHandler(() => undefined, {
      logger: quiet,
      onRecord: (event) => outcomes.push(event.outcome),
      onBatch: (result) => {
        total = result.total;
      },
    });
    await handler(kinesisEvent([{ data: 1 }, { data: 2 }]), fakeContext());
    expect(outcomes).toEqual(['done', 'done']);
    expect(total).toBe(2);
  });

  it('gives handlers a logger and the attempt number', async () => {
    const contexts: { attempt: number; hasLogger: boolean }[] = [];
    const handler = kinesisHandler(
      (_record, context) => {
        contexts.push({ attempt: context.attempt, hasLogger: typeof context.logger.info === 'function' });
      },
      { logger: quiet },
    );
    await handler(structuredClone(REFERENCE_EVENT), fakeContext());
    expect(contexts).toEqual([{ attempt: 1, hasLogger: true }]);
  });
});
