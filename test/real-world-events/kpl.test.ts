import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { deaggregate, processBatch, type StreamRecord, StreamshareError, silentLogger } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { sourcesSays } from './expectations.js';
import { kinesisRefuses, runKinesis } from './handlers.js';
import type { LambdaEvent, LambdaRecord } from './lambda-event.js';
import { base64Bytes, describePayloads, plain, readBytes, readJson, utf8 } from './payloads.js';

// kpl/ of the real-world payloads: KPL aggregated records, from the KPL itself, the Java and Node
// aggregators and the fanout tests. Each aggregate goes through core's deaggregate and processBatch
// (as a record of a GetRecords page), and through kinesisHandler where its Lambda envelope is one.
// Expected values are SOURCES.md's; each aggregate is also read by aws-kinesis-agg (the reference
// Node deaggregator of awslabs/kinesis-aggregation) as an independent check.

interface AggUserRecord {
  readonly partitionKey: string;
  readonly explicitPartitionKey?: string;
  readonly subSequenceNumber: number;
  /** base64 */
  readonly data: string;
}

const agg = createRequire(import.meta.url)('aws-kinesis-agg') as {
  deaggregateSync(
    record: { data: string; partitionKey: string; sequenceNumber: string },
    computeChecksums: boolean,
    done: (error: Error | undefined, records?: AggUserRecord[]) => void,
  ): void;
};

/** User records of an aggregate as aws-kinesis-agg reads them (checksums verified). */
function referenceDeaggregate(bytes: Uint8Array): { partitionKey: string; ehk: string | undefined; data: string }[] {
  let out: AggUserRecord[] | undefined;
  let failure: Error | undefined;
  agg.deaggregateSync(
    { data: Buffer.from(bytes).toString('base64'), partitionKey: 'outer', sequenceNumber: '1' },
    true,
    (error, records) => {
      failure = error;
      out = records;
    },
  );
  if (failure !== undefined) throw failure;
  return (out ?? []).map((r) => ({
    partitionKey: r.partitionKey,
    ehk: r.explicitPartitionKey,
    data: Buffer.from(r.data, 'base64').toString('utf8'),
  }));
}

interface Aggregate {
  readonly bin: string;
  /** The payload the bytes were cut from, and how to find its base64 in it. */
  readonly from: { readonly file: string; readonly base64: (payload: never) => string };
  readonly sequenceNumber: string;
  readonly outerPartitionKey: string;
  /** Per user record, in order (SOURCES.md). */
  readonly partitionKeys: readonly string[];
  readonly explicitHashKeys: readonly (string | undefined)[];
  readonly data: readonly string[];
  /**
   * Why the comparison with aws-kinesis-agg (the reference deaggregator) is skipped for it: where
   * the reference reads the aggregate otherwise than SOURCES.md says a consumer should.
   */
  readonly referenceDiffers?: string;
}

const lambdaData =
  (i: number) =>
  (payload: LambdaEvent): string =>
    payload.Records[i]!.kinesis.data;
const recordsData =
  (i: number) =>
  (payload: LambdaRecord[]): string =>
    payload[i]!.kinesis.data;
const bareData = (payload: { kinesis?: { data: string }; data?: string }): string =>
  payload.kinesis?.data ?? payload.data!;
const analyticsData =
  (i: number) =>
  (payload: { records: { data: string }[] }): string =>
    payload.records[i]!.data;

const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const REVERSED = 'zyxwvutsrqponmlkjihgfedcba';
const PJQ = 'pjqrcfbxafzdndzmbgane';

const AGGREGATES: readonly Aggregate[] = [
  {
    bin: 'kpl/kinesis-aggregation-SampleLambdaEvent.rec0.agg.bin',
    from: { file: 'kpl/kinesis-aggregation-SampleLambdaEvent.json', base64: lambdaData(0) },
    sequenceNumber: '49545115243490985018280067714973144582180062593244200961',
    outerPartitionKey: 'partitionKey-03',
    partitionKeys: repeat(100, () => 'abc'),
    explicitHashKeys: repeat(100, () => '191415658344158766168031473277922803570'),
    data: repeat(100, (i) => (i % 2 === 0 ? ALPHABET : REVERSED)),
  },
  {
    bin: 'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_with_ehks.rec0.agg.bin',
    from: { file: 'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_with_ehks.json', base64: bareData },
    sequenceNumber: '49581544954143914480256700934210366840104395343224897586',
    outerPartitionKey: 'a',
    partitionKeys: [
      'fc03dd88-3e79-448a-b01a-7cf1bd47b784',
      'cae41b1c-ea61-43f2-90be-b8755ebf88e2',
      'd490690c-e74d-4db2-a3c8-d8f2f184fd23',
      'c924bc09-b85e-47f1-b32e-336522ee53c8',
    ],
    explicitHashKeys: [
      '38486495867508399078159723846051807020',
      '193787600037681706952143357071916352604',
      '266880436964932424265466916734068684439',
      '339606600942967391854603552402021847292',
    ],
    data: [
      'RECORD 22 peeobhczbzdmskboupgyq\n',
      'RECORD 23 uswkxftxroeusscxsjhno\n',
      'RECORD 24 casehdgivfaxeustlyszy\n',
      'RECORD 25 nvffvpmuogdopjhamevrk\n',
    ],
  },
  {
    bin: 'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_no_ehks.rec0.agg.bin',
    from: { file: 'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_no_ehks.json', base64: bareData },
    sequenceNumber: '49581544954143914480259384464784359468274789083712061490',
    outerPartitionKey: 'a',
    partitionKeys: [
      '78feb12a-dba0-45ca-a91e-bb1f2f1819b4',
      'c2a75787-469b-4310-840d-d486dca7eb5e',
      '650e9362-572b-4427-b3fc-13549d7e5ae5',
      '1d8d9600-00b7-46f3-a983-de83477540c0',
      'f2e718a0-389b-494a-b796-3355b07569cc',
      '965b8da4-a6bd-4755-81c9-e7181ab7dc9a',
      'd693c5f0-5772-46c9-8d86-08c7055bdb75',
      '8d92476b-eb89-4e81-99fb-c2ba63ad6d90',
    ],
    explicitHashKeys: repeat(8, () => undefined),
    data: [
      'RECORD 18 iklrpsvyhxnerodfeheru\n',
      'RECORD 19 lnmnudyhvpvcgrokfmzdh\n',
      'RECORD 20 pjqrcfbxafzdndzmbgane\n',
      'RECORD 21 aafreyrntwuwxliygkbhk\n',
      'RECORD 22 qsaadhbsgmvqgdifguyou\n',
      'RECORD 23 wjokoiwvzzhlftlzhqfjk\n',
      'RECORD 24 zopcascrthbbpnjiwuhjb\n',
      'RECORD 25 txbbvnozrwsboxuomqboq\n',
    ],
  },
  {
    bin: 'kpl/kinesis-aggregation-test_deagg.kpl_generated_ka_rec.rec0.agg.bin',
    from: { file: 'kpl/kinesis-aggregation-test_deagg.kpl_generated_ka_rec.json', base64: bareData },
    sequenceNumber: '49597411459012285111935017621194032819223185658889633794',
    outerPartitionKey: 'a',
    partitionKeys: repeat(4, () => '1562602074896'),
    explicitHashKeys: repeat(4, () => '339606600942967391854603552402021847292'),
    data: repeat(4, (i) => `RECORD ${2005 + i} ${PJQ}`),
  },
  {
    bin: 'kpl/sam-KinesisAnalyticsKpl.template.rec0.agg.bin',
    from: { file: 'refuse/sam-KinesisAnalyticsKpl.template.json', base64: analyticsData(0) },
    sequenceNumber: '49571347871967966406409637155186850213682522142927749122',
    outerPartitionKey: 'partitionKey-01',
    partitionKeys: ['1505169645250', '1505169645250'],
    explicitHashKeys: ['8609709655146403552205292824963571537', '79513714133811955591130583141298653698'],
    data: [`40,${'a'.repeat(125)}\n`, `41,${'a'.repeat(125)}\n`],
  },
  {
    bin: 'kpl/byron-dupreez-aggregatedKinesisEvent.rec0.agg.bin',
    from: { file: 'kpl/byron-dupreez-aggregatedKinesisEvent.json', base64: lambdaData(0) },
    sequenceNumber: '49570502000777654984918921872299215055880073276903391234',
    outerPartitionKey: '81622b0e-5ae8-4b53-a585-c6cb7780e680',
    partitionKeys: ['81622b0e-5ae8-4b53-a585-c6cb7780e680', '25d4c3c1-31fe-424f-91f3-81241dcc6590'],
    // The table holds "undefined": SOURCES.md wants it treated as absent (or a typed error).
    explicitHashKeys: [undefined, undefined],
    data: ['{"a":"ABC"}', '{"b":"DEF"}'],
    referenceDiffers: 'aws-kinesis-agg gives the table entry "undefined" as the explicit hash key',
  },
  {
    bin: 'kpl/aws-lambda-fanout-0-kpl-records.records.rec0.agg.bin',
    from: { file: 'kpl/aws-lambda-fanout-0-kpl-records.records.json', base64: recordsData(0) },
    sequenceNumber: '1',
    outerPartitionKey: 'shardId-00000000005',
    partitionKeys: [],
    explicitHashKeys: [],
    data: [],
  },
  {
    bin: 'kpl/aws-lambda-fanout-1-kpl-records.records.rec0.agg.bin',
    from: { file: 'kpl/aws-lambda-fanout-1-kpl-records.records.json', base64: recordsData(0) },
    sequenceNumber: '1',
    outerPartitionKey: 'shardId-00000000005',
    partitionKeys: ['key-0'],
    explicitHashKeys: [undefined],
    data: ['Testing KPL Aggregated Record 1-0'],
  },
  {
    bin: 'kpl/aws-lambda-fanout-2-kpl-records.records.rec0.agg.bin',
    from: { file: 'kpl/aws-lambda-fanout-2-kpl-records.records.json', base64: recordsData(0) },
    sequenceNumber: '1',
    outerPartitionKey: 'shardId-00000000005',
    partitionKeys: ['key-0', 'key-1'],
    explicitHashKeys: [undefined, undefined],
    data: ['Testing KPL Aggregated Record 2-0', 'Testing KPL Aggregated Record 2-1'],
  },
];

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/kpl-payloads';
const ARRIVAL = new Date(1_518_133_507_063);

/** A record of a GetRecords page (or a Lambda record read) holding `data`. */
function recordOf(data: Uint8Array, sequenceNumber: string, partitionKey: string): StreamRecord<Uint8Array> {
  return {
    streamArn: STREAM_ARN,
    shardId: 'shardId-000000000003',
    partitionKey,
    sequenceNumber,
    approximateArrivalTimestamp: ARRIVAL,
    data,
  };
}

/** processBatch over `inputs` with the text codec; the user records the handler got, as plain values. */
async function walk(inputs: StreamRecord<Uint8Array>[], failOn: (index: number) => boolean = () => false) {
  const seen: StreamRecord<string>[] = [];
  const result = await processBatch<string>(
    inputs,
    (record) => {
      const index = seen.push(record) - 1;
      if (failOn(index)) throw new Error(`user record ${index} fails on purpose`);
    },
    { codec: 'text', logger: silentLogger, retry: { attempts: 1 } },
  );
  return { seen, result };
}

function expectCorrupt(error: unknown, reason: string): void {
  expect(error).toBeInstanceOf(StreamshareError);
  expect((error as StreamshareError).code).toBe('AGGREGATE_CORRUPT');
  expect((error as { reason?: unknown }).reason).toBe(reason);
}

describePayloads('real-world KPL aggregates (kpl/) through deaggregate, processBatch and kinesisHandler', () => {
  describe.each(AGGREGATES.map((a) => [a.bin, a] as const))('%s', (_name, aggregate) => {
    const bytes = () => readBytes(aggregate.bin);
    const count = aggregate.data.length;

    it('is the base64 data of its source payload: KPL magic, protobuf, MD5 of the protobuf', () => {
      const data = bytes();
      const payload = readJson<never>(aggregate.from.file);
      expect(plain(base64Bytes(aggregate.from.base64(payload)))).toEqual(plain(data));
      expect(plain(data.subarray(0, 4))).toEqual([0xf3, 0x89, 0x9a, 0xc2]);
      const digest = createHash('md5')
        .update(data.subarray(4, data.length - 16))
        .digest();
      expect(plain(data.subarray(data.length - 16))).toEqual(plain(digest));
    });

    it(`deaggregate gives ${count} user record(s): partition keys, data, subsequence numbers, one sequence number`, () => {
      const outer = recordOf(bytes(), aggregate.sequenceNumber, aggregate.outerPartitionKey);
      const users = deaggregate(outer);
      expect(users).toHaveLength(count);
      expect(users.map((u) => u.partitionKey)).toEqual(aggregate.partitionKeys);
      expect(users.map((u) => utf8(u.data))).toEqual(aggregate.data);
      expect(users.map((u) => u.subSequenceNumber)).toEqual(repeat(count, (i) => i));
      for (const user of users) {
        expect(user.sequenceNumber).toBe(aggregate.sequenceNumber);
        expect(user.aggregateSize).toBe(count);
        expect(user.streamArn).toBe(STREAM_ARN);
        expect(user.shardId).toBe('shardId-000000000003');
        expect(user.approximateArrivalTimestamp.getTime()).toBe(ARRIVAL.getTime());
      }
      if (count > 0 && aggregate.partitionKeys.every((pk) => pk !== aggregate.outerPartitionKey)) {
        // The outer partition key is the aggregate's, not a user record's.
        expect(users.map((u) => u.partitionKey)).not.toContain(aggregate.outerPartitionKey);
      }
    });

    sourcesSays('explicit hash keys as SOURCES.md says (absent where the producer gave none)', () => {
      const users = deaggregate(recordOf(bytes(), aggregate.sequenceNumber, aggregate.outerPartitionKey));
      expect(users.map((u) => u.explicitHashKey)).toEqual(aggregate.explicitHashKeys);
    });

    if (aggregate.referenceDiffers === undefined) {
      it('aws-kinesis-agg (the reference deaggregator) reads the same user records', () => {
        const users = deaggregate(recordOf(bytes(), aggregate.sequenceNumber, aggregate.outerPartitionKey));
        expect(
          users.map((u) => ({ partitionKey: u.partitionKey, ehk: u.explicitHashKey, data: utf8(u.data) })),
        ).toEqual(referenceDeaggregate(bytes()));
      });
    }

    if (count > 0) {
      it('processBatch hands the user records over in order and checkpoints the whole aggregate', async () => {
        const { seen, result } = await walk([recordOf(bytes(), aggregate.sequenceNumber, aggregate.outerPartitionKey)]);
        expect(result.failed).toBeUndefined();
        expect(seen.map((r) => [r.partitionKey, r.subSequenceNumber, r.data])).toEqual(
          aggregate.data.map((d, i) => [aggregate.partitionKeys[i], i, d]),
        );
        expect(seen.map((r) => r.explicitHashKey)).toEqual(aggregate.explicitHashKeys);
        expect(result.total).toBe(count);
        expect(result.succeeded).toBe(count);
        expect(result.checkpoint).toMatchObject({ sequenceNumber: aggregate.sequenceNumber, complete: true });
      });
    }

    if (count > 1) {
      it('a failing user record in the middle: the checkpoint is inside the aggregate, just before it', async () => {
        const failing = Math.floor(count / 2);
        const { seen, result } = await walk(
          [recordOf(bytes(), aggregate.sequenceNumber, aggregate.outerPartitionKey)],
          (i) => i === failing,
        );
        expect(seen).toHaveLength(failing + 1);
        expect(result.failed?.reason).toBe('handler');
        expect(result.failed?.record).toMatchObject({
          sequenceNumber: aggregate.sequenceNumber,
          subSequenceNumber: failing,
          partitionKey: aggregate.partitionKeys[failing],
        });
        expect(result.checkpoint).toEqual({
          sequenceNumber: aggregate.sequenceNumber,
          subSequenceNumber: failing - 1,
          complete: false,
        });
      });
    }
  });

  describe('kpl/kinesis-aggregation-SampleLambdaEvent.json (a Lambda event holding the Java aggregator output)', () => {
    const file = 'kpl/kinesis-aggregation-SampleLambdaEvent.json';

    sourcesSays('kinesisHandler expands it: 100 user records of pk abc (not the outer partitionKey-03)', async () => {
      const { response, seen } = await runKinesis(readJson(file), { codec: 'text' });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(seen).toHaveLength(100);
      expect(new Set(seen.map((r) => r.partitionKey))).toEqual(new Set(['abc']));
      expect(seen[0]!.data).toBe(ALPHABET);
      expect(seen[99]!.data).toBe(REVERSED);
    });

    sourcesSays(
      'a failing user record is reported by its aggregate’s sequence number (what Lambda checkpoints by)',
      async () => {
        const source = readJson<LambdaEvent>(file);
        const { response, seen } = await runKinesis(source, { codec: 'text' }, (i) => i === 50);
        expect(seen).toHaveLength(51);
        expect(response).toEqual({
          batchItemFailures: [{ itemIdentifier: source.Records[0]!.kinesis.sequenceNumber }],
        });
      },
    );
  });

  describe('kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_with_ehks.json (real KPL, one Lambda record)', () => {
    const file = 'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_with_ehks.json';

    it('as it is (a record, not an event) it is refused', async () => {
      const error = await kinesisRefuses(readJson(file));
      expect(error.received).toMatch(/kinesis/);
    });

    it('wrapped in Records, kinesisHandler gives the 4 user records with their explicit hash keys', async () => {
      const record = readJson<LambdaRecord>(file);
      const { response, seen } = await runKinesis({ Records: [record] }, { codec: 'text' });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(seen.map((r) => [r.subSequenceNumber, r.explicitHashKey, r.data])).toEqual([
        [0, '38486495867508399078159723846051807020', 'RECORD 22 peeobhczbzdmskboupgyq\n'],
        [1, '193787600037681706952143357071916352604', 'RECORD 23 uswkxftxroeusscxsjhno\n'],
        [2, '266880436964932424265466916734068684439', 'RECORD 24 casehdgivfaxeustlyszy\n'],
        [3, '339606600942967391854603552402021847292', 'RECORD 25 nvffvpmuogdopjhamevrk\n'],
      ]);
      for (const user of seen) {
        expect(user.sequenceNumber).toBe(record.kinesis.sequenceNumber);
        expect(user.shardId).toBe('shardId-000000000003');
        expect(user.streamArn).toBe('arn:aws:kinesis:us-east-1:857565855790:stream/AggRecordStream');
      }
      const failed = await runKinesis({ Records: [record] }, { codec: 'text' }, (i) => i === 2);
      expect(failed.response).toEqual({ batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] });
      expect(failed.seen).toHaveLength(3);
    });
  });

  describe('kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_no_ehks.json (eventID inside kinesis)', () => {
    const file = 'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_no_ehks.json';

    it('as it is, it is refused', async () => {
      await kinesisRefuses(readJson(file));
    });

    it('wrapped in Records: a clear schema error naming eventID, not a crash', async () => {
      const record = readJson<Record<string, unknown>>(file);
      expect(record.eventID).toBeUndefined();
      expect((record.kinesis as Record<string, unknown>).eventID).toBeDefined();
      const error = await kinesisRefuses({ Records: [record] });
      expect(error.received).toMatch(/Records\[0\] is malformed/);
      expect(error.message).toMatch(/eventID/);
    });
  });

  describe.each([
    ['kpl/kinesis-aggregation-test_deagg.kpl_generated_ka_rec.json', 4],
    ['kpl/kinesis-aggregation-test_deagg.kpl_generated_ka_non_agg_rec.json', 1],
  ])('%s (Kinesis Analytics envelope)', (file, users) => {
    it('is refused as a Lambda Kinesis event', async () => {
      const error = await kinesisRefuses(readJson(file));
      expect(error.received).toMatch(/recordId|kinesisStreamRecordMetadata|Analytics/);
    });

    it(`its data gives ${users} user record(s), keyed by the inner partition key`, () => {
      const payload = readJson<{ data: string; kinesisStreamRecordMetadata: Record<string, string> }>(file);
      const meta = payload.kinesisStreamRecordMetadata;
      const outer = recordOf(base64Bytes(payload.data), meta.sequenceNumber!, meta.partitionKey!);
      const out = deaggregate(outer);
      expect(out).toHaveLength(users);
      if (users === 1) {
        // A plain record comes back alone, unchanged.
        expect(out[0]).toBe(outer);
        expect(utf8(out[0]!.data)).toBe(`RECORD 749 ${PJQ}`);
        expect(out[0]!.partitionKey).toBe('1562602074896');
      } else {
        expect(meta.partitionKey).toBe('a');
        expect(out.map((u) => u.partitionKey)).toEqual(repeat(4, () => '1562602074896'));
      }
    });
  });

  describe('kpl/byron-dupreez-aggregatedKinesisEvent.json', () => {
    const file = 'kpl/byron-dupreez-aggregatedKinesisEvent.json';

    it('its explicit hash key table holds the text "undefined" (not a number): SOURCES.md', () => {
      const users = deaggregate(
        recordOf(readBytes('kpl/byron-dupreez-aggregatedKinesisEvent.rec0.agg.bin'), '1', 'outer'),
      );
      expect(
        referenceDeaggregate(readBytes('kpl/byron-dupreez-aggregatedKinesisEvent.rec0.agg.bin')).map((u) => u.ehk),
      ).toEqual(['undefined', 'undefined']);
      // Never dropped: both user records are delivered whatever is made of the key.
      expect(users.map((u) => utf8(u.data))).toEqual(['{"a":"ABC"}', '{"b":"DEF"}']);
    });

    sourcesSays(
      'kinesisHandler delivers its 2 user records {"a":"ABC"} and {"b":"DEF"}, subsequence 0 and 1',
      async () => {
        const { response, seen } = await runKinesis(readJson(file));
        expect(response).toEqual({ batchItemFailures: [] });
        expect(seen.map((r) => [r.partitionKey, r.subSequenceNumber, r.data])).toEqual([
          ['81622b0e-5ae8-4b53-a585-c6cb7780e680', 0, { a: 'ABC' }],
          ['25d4c3c1-31fe-424f-91f3-81241dcc6590', 1, { b: 'DEF' }],
        ]);
      },
    );
  });

  describe('aws-lambda-fanout records arrays (eventID "1", no arrival time, account 0123456789ab)', () => {
    it.each([
      ['kpl/aws-lambda-fanout-0-kpl-records.records.json'],
      ['kpl/aws-lambda-fanout-1-kpl-records.records.json'],
      ['kpl/aws-lambda-fanout-2-kpl-records.records.json'],
      ['kpl/aws-lambda-fanout-multiple-kpl-objects.records.json'],
      ['kpl/aws-lambda-fanout-mixed-kinesis-and-kpl-objects.records.json'],
      ['kpl/hyperbolist-aws-lambda-fanout-invalid-kpl-objects.records.json'],
    ])('%s wrapped in Records is refused, the error naming a field of Records[0] at fault', async (file) => {
      const records = readJson<LambdaRecord[]>(file);
      expect(records[0]!.eventID).toBe('1');
      const error = await kinesisRefuses({ Records: records });
      expect(error.received).toMatch(/Records\[0\] is malformed/);
      expect(error.message).toMatch(/approximateArrivalTimestamp|eventSourceARN|eventID/);
    });

    /** The records of a fanout array as stream records, their data read the way the fanout lib does (lenient base64). */
    const inputsOf = (file: string) =>
      readJson<LambdaRecord[]>(file).map((r) =>
        recordOf(base64Bytes(r.kinesis.data), r.kinesis.sequenceNumber, r.kinesis.partitionKey),
      );

    it('kpl/aws-lambda-fanout-0: the aggregate of 0 user records delivers nothing and fails nothing', async () => {
      const [empty] = inputsOf('kpl/aws-lambda-fanout-0-kpl-records.records.json');
      expect(
        readJson<LambdaRecord[]>('kpl/aws-lambda-fanout-0-kpl-records.records.json')[0]!.kinesis.data,
      ).toHaveLength(27);
      expect(deaggregate(empty!)).toEqual([]);
      const { seen, result } = await walk([empty!]);
      expect(seen).toEqual([]);
      expect(result.failed).toBeUndefined();
    });

    sourcesSays('kpl/aws-lambda-fanout-0: the checkpoint moves past the aggregate of 0 user records', async () => {
      const [empty] = inputsOf('kpl/aws-lambda-fanout-0-kpl-records.records.json');
      const before = recordOf(new TextEncoder().encode('before'), '0', 'k');
      const alone = await walk([empty!]);
      expect(alone.result.checkpoint).toMatchObject({ sequenceNumber: '1', complete: true });
      const after = await walk([before, empty!]);
      expect(after.result.checkpoint).toMatchObject({ sequenceNumber: '1', complete: true });
    });

    it('kpl/aws-lambda-fanout-multiple-kpl-objects: two aggregates give 3 user records, in order', async () => {
      const { seen, result } = await walk(inputsOf('kpl/aws-lambda-fanout-multiple-kpl-objects.records.json'));
      expect(result.failed).toBeUndefined();
      expect(seen.map((r) => [r.partitionKey, r.subSequenceNumber, r.data])).toEqual([
        ['key-0', 0, 'Testing KPL Aggregated Record 1-0'],
        ['key-0', 0, 'Testing KPL Aggregated Record 2-0'],
        ['key-1', 1, 'Testing KPL Aggregated Record 2-1'],
      ]);
    });

    it('kpl/aws-lambda-fanout-mixed-kinesis-and-kpl-objects: an aggregate then a plain record, in order', async () => {
      const { seen, result } = await walk(inputsOf('kpl/aws-lambda-fanout-mixed-kinesis-and-kpl-objects.records.json'));
      expect(result.failed).toBeUndefined();
      expect(seen.map((r) => [r.partitionKey, r.sequenceNumber, r.subSequenceNumber, r.data])).toEqual([
        ['key-0', '1', 0, 'Testing KPL Aggregated Record 1-0'],
        ['shardId-00000000005', '2', undefined, 'This is test data'],
      ]);
      expect(result.checkpoint).toMatchObject({ sequenceNumber: '2', complete: true });
    });
  });

  describe('kpl/hyperbolist-aws-lambda-fanout-invalid-kpl-objects (MD5 mismatch)', () => {
    const file = 'kpl/hyperbolist-aws-lambda-fanout-invalid-kpl-objects.records.json';
    const bin = 'kpl/hyperbolist-aws-lambda-fanout-invalid-kpl-objects.records.rec0.agg.bin';

    it('its data is 94 base64 characters ending "AZERTY"; read leniently, the 70 bytes of the .agg.bin', () => {
      const data = readJson<LambdaRecord[]>(file)[0]!.kinesis.data;
      expect(data).toHaveLength(94);
      expect(data.endsWith('AZERTY')).toBe(true);
      const bytes = readBytes(bin);
      expect(bytes).toHaveLength(70);
      expect(plain(base64Bytes(data))).toEqual(plain(bytes));
      const digest = createHash('md5')
        .update(bytes.subarray(4, bytes.length - 16))
        .digest();
      expect(plain(bytes.subarray(bytes.length - 16))).not.toEqual(plain(digest));
    });

    it('deaggregate throws a typed error naming the record (AGGREGATE_CORRUPT, CHECKSUM_MISMATCH)', () => {
      let thrown: unknown;
      try {
        deaggregate(recordOf(readBytes(bin), '1', 'shardId-00000000005'));
      } catch (error) {
        thrown = error;
      }
      expectCorrupt(thrown, 'CHECKSUM_MISMATCH');
      expect((thrown as Error).message).toContain('shardId-00000000005');
    });

    it('processBatch fails that record (reason aggregate), hands nothing over; no crash', async () => {
      const next = recordOf(new TextEncoder().encode('next'), '2', 'k');
      const { seen, result } = await walk([recordOf(readBytes(bin), '1', 'shardId-00000000005'), next]);
      expect(seen).toEqual([]);
      expect(result.failed?.reason).toBe('aggregate');
      expect(result.failed?.record.sequenceNumber).toBe('1');
      expectCorrupt(result.failed?.error, 'CHECKSUM_MISMATCH');
      expect(result.checkpoint).toBeUndefined();
    });

    it('with deadLetter it is dead-lettered with its raw 70 bytes (not dropped), and the batch goes on', async () => {
      const dead: { record: StreamRecord<unknown>; error: unknown }[] = [];
      const seen: unknown[] = [];
      const result = await processBatch(
        [recordOf(readBytes(bin), '1', 'shardId-00000000005'), recordOf(new TextEncoder().encode('next'), '2', 'k')],
        (record) => {
          seen.push(record.data);
        },
        {
          codec: 'text',
          logger: silentLogger,
          deadLetter: async (record, error) => {
            dead.push({ record, error });
          },
        },
      );
      expect(seen).toEqual(['next']);
      expect(dead).toHaveLength(1);
      expect(plain(dead[0]!.record.data as Uint8Array)).toEqual(plain(readBytes(bin)));
      expectCorrupt(dead[0]!.error, 'CHECKSUM_MISMATCH');
      expect(result.deadLettered).toBe(1);
      expect(result.checkpoint).toMatchObject({ sequenceNumber: '2', complete: true });
    });
  });

  it('refuse/sam-KinesisAnalyticsKpl.template.json records[1] is a plain record "4,aaa…": deaggregate returns it alone', () => {
    const payload = readJson<{ records: { data: string }[] }>('refuse/sam-KinesisAnalyticsKpl.template.json');
    const plainRecord = recordOf(base64Bytes(payload.records[1]!.data), '2', 'partitionKey-02');
    const out = deaggregate(plainRecord);
    expect(out).toEqual([plainRecord]);
    expect(utf8(out[0]!.data)).toBe(`4,${'a'.repeat(126)}\n`);
  });
});
