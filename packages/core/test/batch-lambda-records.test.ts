import {
  type BatchInput,
  type BatchResult,
  DecodeError,
  fromLambdaRecord,
  InvalidInputError,
  type LambdaKinesisRecord,
  lambdaRecords,
  processBatch,
  type StreamRecord,
} from '@streamshare/core';
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
    order.length = 0; // the check reads it once
    await processBatch(checked, (record) => void order.push(`handle ${record.sequenceNumber.slice(-1)}`), {
      codec: 'json',
    });
    expect(order).toEqual(['handle 2', 'read 1', 'handle 3']);
  });

  it('refuses records that are not the Kinesis records of one shard, naming the record', () => {
    const records = lambdaEvent([
      { kind: 'json', key: 'a' },
      { kind: 'json', key: 'a' },
    ]);
    const other = { ...records[1]!, eventID: `shardId-000000000001:${records[1]!.kinesis.sequenceNumber}` };
    expect(() => lambdaRecords([records[0]!, other])).toThrow(/Records\[1\] has eventID/);
    const sqs = { ...records[1]!, eventSource: 'aws:sqs' };
    expect(() => lambdaRecords([records[0]!, sqs])).toThrow(/Records\[1\].*eventSource/);
    const malformed = { ...records[1]!, kinesis: { ...records[1]!.kinesis, sequenceNumber: '12a' } };
    expect(() => lambdaRecords([records[0]!, malformed])).toThrow(InvalidInputError);
    expect(() => lambdaRecords([records[0]!, malformed])).toThrow(/Records\[1\].*kinesis\.sequenceNumber/);
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
