import { type BatchResult, DecodeError, InvalidInputError, processBatch, type StreamRecord } from '@streamshare/core';
import { type BatchInput, fromLambdaRecord, type LambdaKinesisRecord, lambdaRecords } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAggregate, frame } from './fixtures/kpl.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
const SHARD = 'shardId-000000000007';
const encoder = new TextEncoder();

type Kind = 'json' | 'fail' | 'text' | 'bad-base64' | 'aggregate' | 'corrupt-aggregate';

interface Spec {
  readonly kind: Kind;
  readonly key: string;
}

function base64(bytes: Uint8Array | number[]): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes)).toString('base64');
}

function payload(kind: Kind, i: number): string {
  const json = (n: number, fail = false) => encoder.encode(JSON.stringify({ i, n, fail }));
  switch (kind) {
    case 'json':
      return base64(json(0));
    case 'fail':
      return base64(json(0, true));
    case 'text':
      return base64(encoder.encode(`not json ${i}`));
    case 'bad-base64':
      return `bad base64 ${i}!`;
    case 'aggregate':
      return base64(
        frame(
          encodeAggregate(
            ['user-a', 'user-b'],
            [],
            [
              { pk: 0, data: json(1) },
              { pk: 1, data: json(2, i % 2 === 0) },
            ],
          ),
        ),
      );
    case 'corrupt-aggregate': {
      const framed = frame(encodeAggregate(['user-a'], [], [{ pk: 0, data: json(1) }]));
      framed[framed.length - 1] = (framed[framed.length - 1] as number) ^ 0xff; // checksum
      return base64(framed);
    }
  }
}

function lambdaEvent(specs: readonly Spec[]): LambdaKinesisRecord[] {
  return specs.map((spec, i) => {
    const sequenceNumber = String(
      49_649_683_864_473_953_433_843_496_278_632_352_517_587_667_908_684_677_122n + BigInt(i),
    );
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: spec.key,
        sequenceNumber,
        data: payload(spec.kind, i),
        approximateArrivalTimestamp: 1_709_100_911.667 + Math.floor(i / 3),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${SHARD}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq',
      awsRegion: 'us-east-1',
      eventSourceARN: ARN,
    };
  });
}

/** The records normalized up front, a record that is not base64 rejected at its place (as the adapter did). */
function eagerInputs(records: readonly LambdaKinesisRecord[]): BatchInput[] {
  return records.map((record) => {
    try {
      return fromLambdaRecord(record);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      const rejected: StreamRecord<Uint8Array> = {
        ...(error.record as Omit<StreamRecord<Uint8Array>, 'data' | 'approximateArrivalTimestamp'>),
        approximateArrivalTimestamp: new Date(Math.round(record.kinesis.approximateArrivalTimestamp * 1000)),
        data: new Uint8Array(0),
      };
      return { kind: 'rejected', record: rejected, error };
    }
  });
}

const view = (record: StreamRecord<unknown>) => ({
  streamArn: record.streamArn,
  shardId: record.shardId,
  partitionKey: record.partitionKey,
  sequenceNumber: record.sequenceNumber,
  subSequenceNumber: record.subSequenceNumber,
  arrival: record.approximateArrivalTimestamp.getTime(),
  data: record.data instanceof Uint8Array ? Buffer.from(record.data).toString('hex') : record.data,
});

const codeOf = (error: unknown) => (error as { code?: unknown }).code;

async function run(inputs: Parameters<typeof processBatch>[0], concurrency: number, deadLetter: boolean) {
  const seen: unknown[] = [];
  // Records as handed over, looked at only once the batch is done (bytes must outlive the walk).
  const deadLettered: { record: StreamRecord<unknown>; code: unknown }[] = [];
  const result: BatchResult = await processBatch(
    inputs,
    async (record: StreamRecord<{ fail?: boolean }>) => {
      seen.push(view(record));
      await Promise.resolve();
      if (record.data.fail) throw new Error(`fail ${record.sequenceNumber}`);
    },
    {
      codec: 'json',
      concurrency,
      ...(deadLetter
        ? {
            deadLetter: async (record, error) => {
              deadLettered.push({ record, code: codeOf(error) });
            },
          }
        : {}),
    },
  );
  return {
    seen,
    deadLettered: deadLettered.map(({ record, code }) => ({ record: view(record), code })),
    checkpoint: result.checkpoint,
    failed:
      result.failed === undefined
        ? undefined
        : { record: view(result.failed.record), reason: result.failed.reason, code: codeOf(result.failed.error) },
    total: result.total,
    succeeded: result.succeeded,
    deadLetteredCount: result.deadLettered,
  };
}

describe('processBatch(lambdaRecords(event.Records))', () => {
  it('walks exactly as with the records normalized up front (random events, failures, aggregates, concurrency)', async () => {
    const spec = fc.record({
      kind: fc.constantFrom<Kind>(
        'json',
        'json',
        'json',
        'fail',
        'text',
        'bad-base64',
        'aggregate',
        'corrupt-aggregate',
      ),
      key: fc.constantFrom('a', 'b', 'c'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(spec, { maxLength: 25 }),
        fc.constantFrom(1, 3),
        fc.boolean(),
        async (specs, concurrency, deadLetter) => {
          const records = lambdaEvent(specs);
          const eager = await run(eagerInputs(records), concurrency, deadLetter);
          const deferred = await run(lambdaRecords(records), concurrency, deadLetter);
          expect(deferred).toEqual(eager);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads each record at its turn: nothing is decoded before the handler gets the one before it', async () => {
    const records = lambdaEvent([
      { kind: 'json', key: 'a' },
      { kind: 'json', key: 'a' },
    ]);
    const order: string[] = [];
    const second = records[1] as LambdaKinesisRecord;
    const data = second.kinesis.data;
    Object.defineProperty(second.kinesis, 'data', {
      get: () => {
        order.push('read 1');
        return data;
      },
    });
    const checked = lambdaRecords(records);
    expect(order).toEqual(['read 1']); // only its first characters: may it be a KPL aggregate?
    order.length = 0;
    await processBatch(checked, (record) => void order.push(`handle ${record.sequenceNumber.slice(-1)}`), {
      codec: 'json',
    });
    // Checked and read at its turn (the field is read more than once then), never before.
    expect(order.indexOf('read 1')).toBe(1);
    expect(order.filter((step) => step !== 'read 1')).toEqual(['handle 2', 'handle 3']);
  });

  it('refuses a first record that is not a Lambda Kinesis record, naming it, before anything runs', () => {
    const [first] = lambdaEvent([{ kind: 'json', key: 'a' }]);
    expect(() => lambdaRecords([{ ...first!, eventSource: 'aws:sqs' }])).toThrow(/Records\[0\].*eventSource/);
    const malformed = { ...first!, kinesis: { ...first!.kinesis, sequenceNumber: '12a' } };
    expect(() => lambdaRecords([malformed])).toThrow(InvalidInputError);
    expect(() => lambdaRecords([malformed])).toThrow(
      /Records\[0\].*kinesis\.sequenceNumber should be a decimal string/,
    );
    expect(() => lambdaRecords([null as never])).toThrow(/Records\[0\].*the record should be an object, got null/);
    const sqsArn = { ...first!, eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:my-queue' };
    expect(() => lambdaRecords([sqsArn])).toThrow(/Records\[0\].*eventSourceARN should be a Kinesis stream ARN/);
  });

  it('fails a later record that is malformed or of another shard or stream as that record, at its turn', async () => {
    const records = lambdaEvent([
      { kind: 'json', key: 'a' },
      { kind: 'json', key: 'a' },
      { kind: 'json', key: 'a' },
    ]);
    const second = records[1]!;
    const cases: [unknown, RegExp][] = [
      [
        { ...second, eventID: `shardId-000000000001:${second.kinesis.sequenceNumber}` },
        /Records\[1\] has eventID "shardId-000000000001:/,
      ],
      [{ ...second, eventSourceARN: `${ARN}-other` }, /Records\[1\] has eventSourceARN/],
      [{ ...second, eventSource: 'aws:sqs' }, /Records\[1\]: .*eventSource should be "aws:kinesis", got "aws:sqs"/],
      [
        { ...second, eventID: `${SHARD}:1` },
        /Records\[1\]: .*eventID should be "shardId-000000000007:" and its kinesis.sequenceNumber/,
      ],
      [
        { ...second, kinesis: { ...second.kinesis, approximateArrivalTimestamp: 'soon' } },
        /Records\[1\]: .*approximateArrivalTimestamp should be a number/,
      ],
      [{ ...second, kinesis: { ...second.kinesis, encryptionType: 'AES' } }, /Records\[1\]: .*encryptionType/],
      [{ ...second, kinesis: undefined }, /Records\[1\]: .*kinesis should be an object, got nothing/],
      // A sequence number that batchItemFailures could not name, its eventID matching it.
      [
        { ...second, kinesis: { ...second.kinesis, sequenceNumber: 'ABC' }, eventID: `${SHARD}:ABC` },
        /Records\[1\]: .*kinesis\.sequenceNumber should be a decimal string.*got string "ABC" \(eventID "shardId-000000000007:ABC"\)/,
      ],
      [
        {
          ...second,
          kinesis: { ...second.kinesis, sequenceNumber: `0${second.kinesis.sequenceNumber.slice(1)}` },
        },
        /Records\[1\]: .*kinesis\.sequenceNumber should be a decimal string/,
      ],
      ['a string', /Records\[1\]: .*the record should be an object, got string/],
    ];
    for (const [bad, message] of cases) {
      for (const concurrency of [1, 2]) {
        const event = [records[0]!, bad as LambdaKinesisRecord, records[2]!];
        const stopped = await run(lambdaRecords(event), concurrency, false);
        expect(stopped.seen.map((r) => (r as { sequenceNumber: string }).sequenceNumber)).toEqual([
          records[0]!.kinesis.sequenceNumber,
        ]);
        expect(stopped.failed?.reason).toBe('decode');
        expect(stopped.failed?.code).toBe('INVALID_LAMBDA_RECORD');
        expect(stopped.checkpoint?.sequenceNumber).toBe(records[0]!.kinesis.sequenceNumber);
        const result = await processBatch(lambdaRecords(event), () => {}, { codec: 'json', concurrency });
        expect(String((result.failed?.error as Error | undefined)?.message)).toMatch(message);
        // With a dead-letter callback the walk goes on past it.
        const goesOn = await run(lambdaRecords(event), concurrency, true);
        expect(goesOn.seen).toHaveLength(2);
        expect(goesOn.deadLettered).toHaveLength(1);
        expect(goesOn.failed).toBeUndefined();
      }
    }
  });

  it('marks a later record whose sequence number is not a Kinesis one without touching the event', async () => {
    const records = lambdaEvent([
      { kind: 'json', key: 'a' },
      { kind: 'json', key: 'a' },
    ]);
    const bad = { ...records[1]!, kinesis: { ...records[1]!.kinesis, sequenceNumber: 'ABC' }, eventID: `${SHARD}:ABC` };
    const event = [records[0]!, bad];
    const before = JSON.stringify(event);
    const result = await processBatch(lambdaRecords(event), () => {}, { codec: 'json' });
    expect(result.failed?.record.sequenceNumber).toBe('ABC');
    expect(result.failed?.reason).toBe('decode');
    expect(JSON.stringify(event)).toBe(before);
    expect(event[1]).toBe(bad);
    // A LambdaRecords made by hand (not by lambdaRecords) is checked the same way.
    const forged = {
      kind: 'lambda-records',
      records: event,
      streamArn: ARN,
      shardId: SHARD,
      aggregates: false,
    } as const;
    const again = await processBatch(forged, () => {}, { codec: 'json' });
    expect(String((again.failed?.error as Error | undefined)?.message)).toMatch(
      /Records\[1\]: .*kinesis\.sequenceNumber/,
    );
  });

  it('checks a LambdaRecords built by hand', async () => {
    const records = lambdaEvent([{ kind: 'json', key: 'a' }]);
    const forged = {
      kind: 'lambda-records',
      records: [{ kinesis: {} }],
      streamArn: ARN,
      shardId: SHARD,
      aggregates: false,
    };
    await expect(processBatch(forged as never, () => {})).rejects.toThrow(InvalidInputError);
    const fine = { kind: 'lambda-records', records, streamArn: ARN, shardId: SHARD, aggregates: false } as const;
    const result = await processBatch(fine, () => {}, { codec: 'json' });
    expect(result.succeeded).toBe(1);
  });
});
