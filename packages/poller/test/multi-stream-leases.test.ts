/**
 * Three workers, each a poller of the same two streams (two producer accounts, two roles through the
 * loopback STS server), share one dynalite lease table: every record of both streams is delivered,
 * in order per shard; the leases of both streams sit in the one table under stream-qualified keys
 * (`<streamArn>:<creation epoch>`), and the shards are spread over the workers.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { StreamRecord } from '@streamshare/core';
import { createPoller, type Poller } from '@streamshare/poller';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/engine-env.js';
import { dynamoClient, type LocalDynamo, startLocalDynamo, uniqueTableName } from './leases-support.js';
import {
  creationEpoch,
  EXTERNAL_ID,
  expectShardOrder,
  fleetTests,
  PRODUCERS,
  producerStreamOf,
  putTexts,
  Seen,
} from './multi-stream-support.js';

let dynamo: LocalDynamo;
const fleet = fleetTests();
const pollers: Poller[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo.close();
});

describe('a poller of several streams, three workers sharing a lease table', () => {
  it('delivers every record of both streams in order per shard, with both streams leased in one table under stream-qualified keys', async () => {
    const [a, b] = PRODUCERS;
    const streamA = await producerStreamOf(a, 'fleet-a', 3);
    const streamB = await producerStreamOf(b, 'fleet-b', 3);
    await fleet.environment();
    const textsA = await putTexts(a, streamA, 'a', 30);
    const textsB = await putTexts(b, streamB, 'b', 30);
    const tableName = uniqueTableName('multi');

    const seenBy = new Map<string, Seen>();
    for (const workerId of ['w1', 'w2', 'w3']) {
      const seen = new Seen();
      seenBy.set(workerId, seen);
      const poller = createPoller({
        streams: [
          { streamArn: streamA, assumeRole: { roleArn: a.roleArn, externalId: EXTERNAL_ID } },
          { streamArn: streamB, assumeRole: { roleArn: b.roleArn, externalId: EXTERNAL_ID } },
        ],
        handler: (record: StreamRecord<unknown>) => seen.add(record),
        codec: 'text',
        leaseTable: { tableName, client: dynamoClient(dynamo.endpoint), workerId, failoverTimeMs: 1_500 },
        idleTimeBetweenReadsMs: 50,
      });
      pollers.push(fleet.track(poller));
    }
    await Promise.all(pollers.map((poller) => poller.start()));
    const all = () => {
      const union = new Seen();
      for (const seen of seenBy.values()) for (const list of seen.byShard.values()) for (const r of list) union.add(r);
      return union;
    };
    await waitFor(() => all().has(streamA, textsA) && all().has(streamB, textsB), 'the first records of both streams');
    // More records while the workers balance the leases between them.
    const laterA = await putTexts(a, streamA, 'a-later', 15);
    const laterB = await putTexts(b, streamB, 'b-later', 15);
    await waitFor(
      () => pollers.every((poller) => poller.status().shards.length === 2),
      'six shards spread two per worker',
      40_000,
    );
    await waitFor(() => all().has(streamA, laterA) && all().has(streamB, laterB), 'every record of both streams');
    for (const seen of seenBy.values()) expectShardOrder(seen.byShard.values());

    // Every lease of both streams in the one table, keyed by stream ARN and creation time.
    const epochA = await creationEpoch(a, streamA);
    const epochB = await creationEpoch(b, streamB);
    const client = dynamoClient(dynamo.endpoint);
    try {
      const scan = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
      const keys = (scan.Items ?? []).map((item) => `${item.streamArn?.S} ${item.shardId?.S}`).sort();
      const shards = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];
      expect(keys).toEqual(
        [...shards.map((s) => `${streamA}:${epochA} ${s}`), ...shards.map((s) => `${streamB}:${epochB} ${s}`)].sort(),
      );
      // One worker id per worker across both streams.
      const owners = new Set((scan.Items ?? []).map((item) => item.leaseOwner?.S));
      expect(owners).toEqual(new Set(['w1', 'w2', 'w3']));
    } finally {
      client.destroy();
    }
    const statuses = pollers.map((poller) => poller.status());
    for (const status of statuses) {
      expect(status.streams?.map((s) => s.checkpointKey)).toEqual([`${streamA}:${epochA}`, `${streamB}:${epochB}`]);
    }
  });
});
