/**
 * One poller reads two streams of two producer accounts (two regions), each with its own role
 * assumed through the loopback STS server, into the file store: every record of both, in order per
 * shard; each stream's checkpoints under its stream-qualified key (ARN and creation time); metrics
 * and /healthz labelled by stream.
 */
import { readdir } from 'node:fs/promises';
import type { StreamRecord } from '@streamshare/core';
import { createPoller, createPollerMetrics } from '@streamshare/poller';
import { CONSUMER_ACCOUNT } from '@streamshare/testkit';
import { describe, expect, it } from 'vitest';
import { checkpointFileName } from '../../core/src/checkpoint/file-name.js';
import { healthOf } from '../src/http/health.js';
import { waitFor } from './helpers/engine-env.js';
import {
  creationEpoch,
  EXTERNAL_ID,
  expectShardOrder,
  fleetTests,
  PRODUCERS,
  producerStreamOf,
  putTexts,
  Seen,
  tempDir,
} from './multi-stream-support.js';

const fleet = fleetTests();

describe('a poller of several streams, file store', () => {
  it('reads two streams of two producer accounts with two roles: every record, in order, under stream-qualified keys', async () => {
    const [a, b] = PRODUCERS;
    const streamA = await producerStreamOf(a, 'multi-a', 2);
    const streamB = await producerStreamOf(b, 'multi-b', 2);
    expect(streamB).toContain(`:us-west-2:${b.account}:`);
    const sts = await fleet.environment();
    const textsA = await putTexts(a, streamA, 'a', 30);
    const textsB = await putTexts(b, streamB, 'b', 30);

    const dir = await tempDir();
    const seen = new Seen();
    const seenByB: string[] = [];
    const metrics = createPollerMetrics({ processMetrics: false });
    const poller = fleet.track(
      createPoller({
        streams: [
          { streamArn: streamA, assumeRole: { roleArn: a.roleArn, externalId: EXTERNAL_ID } },
          {
            streamArn: streamB,
            assumeRole: { roleArn: b.roleArn, externalId: EXTERNAL_ID, sessionName: 'fleet-b' },
            // Its own handler.
            handler: (record: StreamRecord<unknown>) => {
              seenByB.push(String(record.data));
              seen.add(record);
            },
          },
        ],
        handler: (record: StreamRecord<unknown>) => seen.add(record),
        codec: 'text',
        checkpointDir: dir,
        idleTimeBetweenReadsMs: 50,
        observer: metrics.observer,
      }),
    );
    await poller.start();
    await waitFor(() => seen.has(streamA, textsA) && seen.has(streamB, textsB), 'every record of both streams');

    // Each stream went through its own role: kinesis-mock served each producer account to its role's credentials.
    const assumed = sts.calls.filter((call) => call.action === 'AssumeRole' && call.outcome === 'ok');
    expect(new Set(assumed.map((call) => call.roleArn))).toEqual(new Set([a.roleArn, b.roleArn]));
    for (const call of assumed) {
      expect(call.callerAccount).toBe(CONSUMER_ACCOUNT);
      expect(call.externalId).toBe(EXTERNAL_ID);
      expect(call.issued?.accessKeyId).toBe(call.roleArn === a.roleArn ? a.account : b.account);
    }
    expect([...seenByB].sort()).toEqual([...textsB].sort());
    expect(new Set(seen.texts(streamA))).toEqual(new Set(textsA));
    expectShardOrder(seen.byShard.values());

    // Status, /healthz and metrics name the stream.
    const epochA = await creationEpoch(a, streamA);
    const epochB = await creationEpoch(b, streamB);
    const status = poller.status();
    expect(status.streams?.map((s) => [s.streamArn, s.checkpointKey, s.state, s.shards])).toEqual([
      [streamA, `${streamA}:${epochA}`, 'running', 2],
      [streamB, `${streamB}:${epochB}`, 'running', 2],
    ]);
    expect(new Set(status.shards.map((shard) => shard.streamArn))).toEqual(new Set([streamA, streamB]));
    const health = healthOf({ status, now: Date.now(), startedAt: Date.now(), maxPollAgeMs: 30_000 });
    expect(health.statusCode).toBe(200);
    expect(health.body.shards.filter((shard) => shard.streamArn === streamB)).toHaveLength(2);
    expect(health.body.streams?.map((s) => [s.streamArn, s.state])).toEqual([
      [streamA, 'running'],
      [streamB, 'running'],
    ]);
    const text = await metrics.render();
    expect(text).toMatch(
      new RegExp(`streamshare_records_total\\{shard="shardId-000000000000",stream="${streamB}"\\} \\d+`),
    );
    expect(text).toContain(`streamshare_stream_up{stream="${streamA}"} 1`);
    expect(text).toContain(`streamshare_leases_held{stream="${streamB}"} 2`);

    await poller.stop();
    await poller.done;
    expect(poller.status().state).toBe('stopped');
    // One file per stream, named after its key (the plain ARN's file is not used).
    const files = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
    expect(files).toEqual(
      [checkpointFileName(`${streamA}:${epochA}`), checkpointFileName(`${streamB}:${epochB}`)].sort(),
    );
    expect(files).not.toContain(checkpointFileName(streamA));
    expect(files.some((name) => name.startsWith(`us-west-2.${b.account}.`) && name.includes(`_${epochB}.`))).toBe(true);
  });
});
