// A local Kinesis HTTP server on 127.0.0.1 for the scale benchmark: it speaks the wire protocol the
// AWS SDK v3 Kinesis client uses (awsJson1_1: POST /, `X-Amz-Target: Kinesis_20131202.<Action>`,
// JSON bodies, blobs as base64, timestamps as epoch seconds) and serves one stream of open shards,
// each with a prepared backlog of records, then empty pages at the tip. Signatures are not checked.
//
// - ListShards pages as AWS does: MaxResults 1..10,000 (default 1,000), NextToken while more follow
//   (also ExclusiveStartShardId);
// - DescribeStream pages by 100 shards (HasMoreShards, ExclusiveStartShardId); DescribeStreamSummary;
// - GetShardIterator: TRIM_HORIZON, LATEST, AT/AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP (from the start);
// - GetRecords: at most `pageRecords` (and the request's Limit) records of the backlog, then empty
//   pages with MillisBehindLatest 0.
// An optional latency is added to every request (`latencyMs`), as a reader in another region sees.
//
// Control (not Kinesis): `POST /__setup` with `{ shards, records, recordBytes, pageRecords, latencyMs }`
// prepares a new stream (and zeroes the counts); `GET /__stats` gives the counts per action.
// Run as a program (`node kinesis-server.mjs`) it listens on a free port and prints `{"port":N}`.
//
// HTTP/2 (`h2: true`, or `--h2` for the program, which then prints `{"port":N,"h2Port":M}` and takes
// the limit below from KINESIS_SERVER_H2_MAX_STREAMS): a second
// listener speaks cleartext HTTP/2 with prior knowledge (h2c, what the SDK's NodeHttp2Handler sends to
// an `http://` endpoint) with the same handlers and the same stream; it refuses HTTP/1.1. It advertises
// SETTINGS_MAX_CONCURRENT_STREAMS `h2MaxStreams` (default 100, the usual server default), so that a
// client that opens more streams on one connection than that has them queued.
import { createServer } from 'node:http';
import { createServer as createH2cServer } from 'node:http2';

const STREAM_NAME = 'bench-scale';
export const BENCH_STREAM_ARN = `arn:aws:kinesis:us-east-1:999900009999:stream/${STREAM_NAME}`;

/** `shardId-000000000042` */
export const shardIdOf = (s) => `shardId-${String(s).padStart(12, '0')}`;

/** Sequence number of record `i` of shard `s`: fixed width, increasing within a shard. */
export const sequenceOf = (s, i) => `4960000000${String(s).padStart(6, '0')}${String(i).padStart(12, '0')}`;

function indexOfSequence(sequence) {
  return Number(sequence.slice(-12));
}

function makeStream(o) {
  const shards = o.shards ?? 64;
  const records = o.records ?? 200;
  const recordBytes = o.recordBytes ?? 1024;
  const pageRecords = o.pageRecords ?? 100;
  const latencyMs = o.latencyMs ?? 0;
  const range = 2n ** 128n / BigInt(shards);
  const listed = Array.from({ length: shards }, (_, s) => ({
    ShardId: shardIdOf(s),
    HashKeyRange: {
      StartingHashKey: String(range * BigInt(s)),
      EndingHashKey: String(s === shards - 1 ? 2n ** 128n - 1n : range * BigInt(s + 1) - 1n),
    },
    SequenceNumberRange: { StartingSequenceNumber: sequenceOf(s, 0) },
  }));
  const head = `{"i":0,"pad":"`;
  const data = Buffer.from(head + 'x'.repeat(Math.max(0, recordBytes - head.length - 2)) + '"}').toString('base64');
  return { shards, records, pageRecords, latencyMs, listed, data, arrival: Date.now() / 1000 };
}

function newStats() {
  return {
    requests: 0,
    GetRecords: 0,
    GetRecordsEmpty: 0,
    /** Kinesis requests that came over HTTP/2 (the h2c listener). */
    h2Requests: 0,
    /** Most HTTP/2 connections open at once on the h2c listener. */
    h2PeakSessions: 0,
    /** Most HTTP/1.1 connections open at once. */
    h1PeakConnections: 0,
    GetShardIterator: 0,
    ListShards: 0,
    DescribeStream: 0,
    other: 0,
  };
}

class KinesisFault extends Error {
  constructor(type, message, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

function getRecords(stream, input) {
  const [s, i] = String(input.ShardIterator ?? '')
    .split('|')
    .map(Number);
  if (!Number.isInteger(s) || s < 0 || s >= stream.shards || !Number.isInteger(i)) {
    throw new KinesisFault('InvalidArgumentException', 'bad ShardIterator');
  }
  const limit = Math.min(input.Limit ?? 10_000, stream.pageRecords);
  const end = Math.min(stream.records, i + limit);
  const parts = [];
  for (let k = i; k < end; k++) {
    parts.push(
      `{"Data":"${stream.data}","PartitionKey":"key-${k % 64}","SequenceNumber":"${sequenceOf(s, k)}","ApproximateArrivalTimestamp":${stream.arrival}}`,
    );
  }
  const behind = end < stream.records ? (stream.records - end) * 10 : 0;
  return {
    body: `{"Records":[${parts.join(',')}],"NextShardIterator":"${s}|${end}","MillisBehindLatest":${behind}}`,
    empty: parts.length === 0,
  };
}

function shardIndex(stream, shardId) {
  const s = Number(String(shardId ?? '').slice(8));
  if (!String(shardId ?? '').startsWith('shardId-') || !Number.isInteger(s) || s < 0 || s >= stream.shards) {
    throw new KinesisFault('ResourceNotFoundException', `Shard ${shardId} not found`);
  }
  return s;
}

function getShardIterator(stream, input) {
  const s = shardIndex(stream, input.ShardId);
  let i = 0;
  switch (input.ShardIteratorType) {
    case 'LATEST':
      i = stream.records;
      break;
    case 'AT_SEQUENCE_NUMBER':
      i = indexOfSequence(input.StartingSequenceNumber);
      break;
    case 'AFTER_SEQUENCE_NUMBER':
      i = indexOfSequence(input.StartingSequenceNumber) + 1;
      break;
    default:
      i = 0;
  }
  return { ShardIterator: `${s}|${Math.min(i, stream.records)}` };
}

function listShards(stream, input) {
  const max = input.MaxResults ?? 1000;
  if (!Number.isInteger(max) || max < 1 || max > 10_000) {
    throw new KinesisFault('InvalidArgumentException', 'MaxResults must be between 1 and 10000');
  }
  let from = 0;
  if (input.NextToken) from = Number(Buffer.from(input.NextToken, 'base64').toString());
  else if (input.ExclusiveStartShardId) from = shardIndex(stream, input.ExclusiveStartShardId) + 1;
  const to = Math.min(stream.shards, from + max);
  return {
    Shards: stream.listed.slice(from, to),
    ...(to < stream.shards ? { NextToken: Buffer.from(String(to)).toString('base64') } : {}),
  };
}

function describeStream(stream, input) {
  const from = input.ExclusiveStartShardId ? shardIndex(stream, input.ExclusiveStartShardId) + 1 : 0;
  const to = Math.min(stream.shards, from + Math.min(input.Limit ?? 100, 100));
  return {
    StreamDescription: {
      StreamName: STREAM_NAME,
      StreamARN: BENCH_STREAM_ARN,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      Shards: stream.listed.slice(from, to),
      HasMoreShards: to < stream.shards,
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: 0,
      EnhancedMonitoring: [],
      EncryptionType: 'NONE',
    },
  };
}

function describeStreamSummary(stream) {
  return {
    StreamDescriptionSummary: {
      StreamName: STREAM_NAME,
      StreamARN: BENCH_STREAM_ARN,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: 0,
      EnhancedMonitoring: [],
      EncryptionType: 'NONE',
      OpenShardCount: stream.shards,
    },
  };
}

/**
 * Starts the server on 127.0.0.1 (`port` 0: a free one). Returns `{ port, endpoint, setup(o), stats(), close() }`.
 * @param {{ port?: number } & Parameters<typeof makeStream>[0]} [options]
 */
export async function startKinesisServer(options = {}) {
  let stream = makeStream(options);
  let stats = newStats();
  const answer = (res, status, body) => {
    const send = () => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'bench' });
      res.end(body);
    };
    if (stream.latencyMs > 0) setTimeout(send, stream.latencyMs);
    else send();
  };
  const handle = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      if (req.url === '/__setup') {
        stream = makeStream(JSON.parse(text || '{}'));
        stats = newStats();
        res.end('{}');
        return;
      }
      if (req.url === '/__stats') {
        res.end(JSON.stringify(stats));
        return;
      }
      stats.requests++;
      if (req.httpVersionMajor === 2) stats.h2Requests++;
      const action = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      try {
        const input = text ? JSON.parse(text) : {};
        if (input.StreamARN !== undefined && input.StreamARN !== BENCH_STREAM_ARN) {
          throw new KinesisFault('ResourceNotFoundException', `Stream ${input.StreamARN} not found`);
        }
        switch (action) {
          case 'GetRecords': {
            stats.GetRecords++;
            const { body, empty } = getRecords(stream, input);
            if (empty) stats.GetRecordsEmpty++;
            answer(res, 200, body);
            return;
          }
          case 'GetShardIterator':
            stats.GetShardIterator++;
            answer(res, 200, JSON.stringify(getShardIterator(stream, input)));
            return;
          case 'ListShards':
            stats.ListShards++;
            answer(res, 200, JSON.stringify(listShards(stream, input)));
            return;
          case 'DescribeStream':
            stats.DescribeStream++;
            answer(res, 200, JSON.stringify(describeStream(stream, input)));
            return;
          case 'DescribeStreamSummary':
            stats.other++;
            answer(res, 200, JSON.stringify(describeStreamSummary(stream)));
            return;
          default:
            stats.other++;
            throw new KinesisFault('UnknownOperationException', `${action} is not served`);
        }
      } catch (error) {
        const fault = error instanceof KinesisFault ? error : new KinesisFault('InternalFailure', String(error), 500);
        answer(res, fault.status, JSON.stringify({ __type: fault.type, message: fault.message }));
      }
    });
  };
  const server = createServer(handle);
  let h1Open = 0;
  server.on('connection', (socket) => {
    stats.h1PeakConnections = Math.max(stats.h1PeakConnections, ++h1Open);
    socket.once('close', () => h1Open--);
  });
  server.keepAliveTimeout = 60_000;
  server.maxHeadersCount = 0;
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address();
  let h2;
  const sessions = new Set();
  if (options.h2) {
    h2 = createH2cServer({ settings: { maxConcurrentStreams: options.h2MaxStreams ?? 100 } }, handle);
    h2.on('session', (session) => {
      sessions.add(session);
      stats.h2PeakSessions = Math.max(stats.h2PeakSessions, sessions.size);
      session.once('close', () => sessions.delete(session));
    });
    await new Promise((resolve) => h2.listen(0, '127.0.0.1', resolve));
  }
  const h2Port = h2?.address().port;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    ...(h2 ? { h2Port, h2Endpoint: `http://127.0.0.1:${h2Port}` } : {}),
    setup(o) {
      stream = makeStream(o);
      stats = newStats();
    },
    stats: () => ({ ...stats }),
    close: () =>
      Promise.all([
        new Promise((resolve) => {
          server.closeAllConnections?.();
          server.close(() => resolve());
        }),
        h2 ? closeH2(h2, sessions) : undefined,
      ]).then(() => undefined),
  };
}

/** Closes an HTTP/2 server and every session still open on it. */
function closeH2(server, sessions) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const session of sessions) session.destroy();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const h2 = process.argv.includes('--h2');
  const h2MaxStreams = Number(process.env.KINESIS_SERVER_H2_MAX_STREAMS ?? 100);
  const running = await startKinesisServer({ h2, h2MaxStreams });
  process.stdout.write(`${JSON.stringify({ port: running.port, ...(h2 ? { h2Port: running.h2Port } : {}) })}\n`);
}
