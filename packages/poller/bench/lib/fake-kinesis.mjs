// An in-process Kinesis for benchmarks only: an object with the KinesisClient `send` method that
// answers DescribeStream, ListShards, GetShardIterator and GetRecords at once from prepared (or
// generated) pages, with no network and no SDK serialization. Its shards are closed: the last
// page has no NextShardIterator, so a poller finishes every shard and resolves `done`.

/**
 * A 1 KiB JSON payload (as bytes) for record `i`, allocated as the AWS SDK allocates a record's
 * `Data` when it deserializes a GetRecords response (`fromBase64` of @smithy/core: `Buffer.from`,
 * so payloads under 4 KiB share Node's 8 KiB pool slabs, viewed as a plain Uint8Array).
 */
export function payload(i, size = 1024) {
  const head = `{"i":${i},"pad":"`;
  const tail = '"}';
  const buffer = Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Sequence number of record `i` of shard `s` (56 digits, increasing within a shard). */
export function sequenceOf(s, i) {
  return `4964968386447395343384349627863235251758766790868${String(s).padStart(2, '0')}${String(i).padStart(5, '0')}`;
}

/** A GetRecords page of `count` records starting at `first`. */
export function makePage(shard, first, count, size = 1024) {
  const records = new Array(count);
  const at = new Date();
  for (let k = 0; k < count; k++) {
    const i = first + k;
    records[k] = {
      Data: payload(i, size),
      PartitionKey: `key-${i % 64}`,
      SequenceNumber: sequenceOf(shard, i),
      ApproximateArrivalTimestamp: at,
    };
  }
  return records;
}

/**
 * @param {object} o
 * @param {string} o.streamArn
 * @param {number} o.shards
 * @param {number} o.pagesPerShard
 * @param {number} o.recordsPerPage
 * @param {(shard: number, page: number) => object[]} o.page  the records of a page (prepared or made on demand)
 */
export function fakeKinesis(o) {
  const shardId = (s) => `shardId-${String(s).padStart(12, '0')}`;
  const range = 2n ** 128n / BigInt(o.shards);
  const shards = Array.from({ length: o.shards }, (_, s) => ({
    ShardId: shardId(s),
    HashKeyRange: { StartingHashKey: String(range * BigInt(s)), EndingHashKey: String(range * BigInt(s + 1) - 1n) },
    SequenceNumberRange: {
      StartingSequenceNumber: sequenceOf(s, 0),
      EndingSequenceNumber: sequenceOf(s, o.pagesPerShard * o.recordsPerPage - 1),
    },
  }));
  const calls = { GetRecords: 0, GetShardIterator: 0, DescribeStream: 0, ListShards: 0, other: 0 };
  const name = o.streamArn.split('/')[1];
  return {
    calls,
    config: { region: async () => o.streamArn.split(':')[3] },
    destroy() {},
    middlewareStack: { add() {}, use() {}, remove() {} },
    async send(command) {
      const kind = command.constructor.name.replace(/Command$/, '');
      const input = command.input ?? {};
      switch (kind) {
        case 'DescribeStream':
          calls.DescribeStream++;
          return {
            StreamDescription: {
              StreamName: name,
              StreamARN: o.streamArn,
              StreamStatus: 'ACTIVE',
              StreamModeDetails: { StreamMode: 'PROVISIONED' },
              Shards: shards,
              HasMoreShards: false,
              RetentionPeriodHours: 24,
              StreamCreationTimestamp: new Date(0),
              EnhancedMonitoring: [],
              EncryptionType: 'NONE',
            },
          };
        case 'DescribeStreamSummary':
          calls.other++;
          return {
            StreamDescriptionSummary: {
              StreamName: name,
              StreamARN: o.streamArn,
              StreamStatus: 'ACTIVE',
              OpenShardCount: 0,
              RetentionPeriodHours: 24,
              StreamCreationTimestamp: new Date(0),
              EnhancedMonitoring: [],
            },
          };
        case 'ListShards':
          calls.ListShards++;
          return { Shards: shards };
        case 'GetShardIterator': {
          calls.GetShardIterator++;
          const s = shards.findIndex((x) => x.ShardId === input.ShardId);
          let page = 0;
          if (input.StartingSequenceNumber) {
            const i =
              Number(input.StartingSequenceNumber.slice(-5)) +
              (input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0);
            page = Math.floor(i / o.recordsPerPage);
          }
          return { ShardIterator: `${s}|${page}` };
        }
        case 'GetRecords': {
          calls.GetRecords++;
          const [s, p] = input.ShardIterator.split('|').map(Number);
          const last = p + 1 >= o.pagesPerShard;
          return {
            Records: o.page(s, p),
            ...(last ? {} : { NextShardIterator: `${s}|${p + 1}` }),
            MillisBehindLatest: last ? 0 : (o.pagesPerShard - p) * 1000,
          };
        }
        default:
          calls.other++;
          throw Object.assign(new Error(`fake Kinesis: ${kind} is not served`), { name: 'InvalidArgumentException' });
      }
    },
  };
}

/** Percentile of sorted numbers. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (n, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
