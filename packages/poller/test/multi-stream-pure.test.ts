/**
 * The pure parts of a poller of several streams: the stream-qualified checkpoint key (ARN and
 * creation epoch), what the keyed coordinator does with it, and the options createPoller refuses.
 */
import { InvalidInputError, InvalidStreamArnError, MemoryCheckpointStore, type StreamRecord } from '@streamshare/core';
import { createPoller } from '@streamshare/poller';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkpointFileName } from '../../core/src/checkpoint/file-name.js';
import { KeyedCoordinator } from '../src/coordination/keyed-coordinator.js';
import { LocalCoordinator } from '../src/coordination/local-coordinator.js';
import { parseStreamKey, streamKey } from '../src/coordination/stream-key.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';

describe('the stream-qualified checkpoint key', () => {
  it('is the ARN, a colon and the creation time in epoch seconds', () => {
    expect(streamKey(ARN, new Date('2024-02-28T06:15:11.667Z'))).toBe(`${ARN}:1709100911`);
    expect(parseStreamKey(`${ARN}:1709100911`)).toEqual({ streamArn: ARN, epochSeconds: 1709100911 });
    // A single-stream poller's key (the plain ARN) is not a stream-qualified key.
    expect(parseStreamKey(ARN)).toBeUndefined();
    expect(() => streamKey(ARN, new Date(Number.NaN))).toThrow(InvalidInputError);
  });

  it('reads back whatever the stream (any partition, region, account, name) and time', () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/);
    const region = fc.constantFrom('us-east-1', 'eu-west-3', 'cn-north-1', 'us-gov-west-1');
    const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
    const account = fc.stringMatching(/^\d{12}$/);
    fc.assert(
      fc.property(partition, region, account, name, fc.integer({ min: 0, max: 4_102_444_800 }), (p, r, a, n, s) => {
        const arn = `arn:${p}:kinesis:${r}:${a}:stream/${n}`;
        const key = streamKey(arn, new Date(s * 1000 + 999));
        expect(parseStreamKey(key)).toEqual({ streamArn: arn, epochSeconds: s });
      }),
    );
  });

  it('gives a re-created stream another checkpoint file than the old one and than the single-stream poller', () => {
    const old = checkpointFileName(`${ARN}:1709100911`);
    const again = checkpointFileName(`${ARN}:1709200000`);
    expect(old).toMatch(/^us-east-1\.999900009999\.kds-sharing-example1_1709100911\.[0-9a-f]{16}\.json$/);
    expect(new Set([old, again, checkpointFileName(ARN)]).size).toBe(3);
  });
});

describe('KeyedCoordinator', () => {
  it('keeps the checkpoints under the key found at start, and refuses to be used before', async () => {
    const store = new MemoryCheckpointStore();
    let resolved = 0;
    const coordinator = new KeyedCoordinator({
      streamArn: ARN,
      resolveKey: async () => {
        resolved++;
        return `${ARN}:42`;
      },
      build: (key) => new LocalCoordinator(store, { streamArn: key }),
    });
    await expect(coordinator.checkpoints.get(ARN, 'shardId-000000000000')).rejects.toThrow(
      /before the coordinator started/,
    );
    expect(coordinator.owns('shardId-000000000000')).toBe(false);
    await coordinator.start();
    await coordinator.start();
    expect(resolved).toBe(1);
    expect(coordinator.key).toBe(`${ARN}:42`);
    const checkpoint = { sequenceNumber: '49', subSequenceNumber: 0, complete: true };
    await coordinator.checkpoints.put(ARN, 'shardId-000000000000', checkpoint);
    expect(await store.get(`${ARN}:42`, 'shardId-000000000000')).toEqual(checkpoint);
    expect(await store.get(ARN, 'shardId-000000000000')).toBeUndefined();
    expect(await coordinator.sync([{ shardId: 'shardId-000000000000' }])).toEqual(['shardId-000000000000']);
    await coordinator.markFinished('shardId-000000000000');
    expect(await store.get(`${ARN}:42`, 'shardId-000000000000')).toEqual({ kind: 'SHARD_END' });
  });

  it('a key that cannot be found fails the start, and is asked again by the next start', async () => {
    let calls = 0;
    const coordinator = new KeyedCoordinator({
      streamArn: ARN,
      resolveKey: async () => {
        calls++;
        if (calls === 1) throw new Error('throttled');
        return `${ARN}:7`;
      },
      build: (key) => new LocalCoordinator(new MemoryCheckpointStore(), { streamArn: key }),
    });
    await expect(coordinator.start()).rejects.toThrow('throttled');
    await coordinator.start();
    expect(coordinator.key).toBe(`${ARN}:7`);
  });
});

describe('createPoller({ streams }) types', () => {
  it("types each stream's handler by the poller's codec", () => {
    const checkpointStore = new MemoryCheckpointStore();
    createPoller({
      streams: [{ streamArn: ARN, handler: (record) => void (record.data satisfies string) }],
      codec: 'text',
      checkpointStore,
    });
    createPoller({
      streams: [{ streamArn: ARN }],
      codec: 'text',
      checkpointStore,
      handler: (record) => void (record.data satisfies string),
    });
    createPoller({
      streams: [
        {
          streamArn: ARN,
          handler: (record: StreamRecord<number>) => void record,
        },
      ],
      // @ts-expect-error the text codec gives strings, not the numbers the stream's handler takes
      codec: 'text',
      checkpointStore,
    });
  });
});

describe('createPoller({ streams }) refuses', () => {
  const handler = () => {};
  const code = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return undefined;
  };

  it('no stream, a stream twice, a stream without a handler, streamArn or coordinator beside streams', () => {
    expect(code(() => createPoller({ streams: [], handler }))).toBe('INVALID_OPTION');
    expect(code(() => createPoller({ streams: [{ streamArn: ARN }, { streamArn: ARN }], handler }))).toBe(
      'INVALID_OPTION',
    );
    expect(() => createPoller({ streams: [{ streamArn: ARN }] })).toThrow(/streams\[0\] .* has no handler/);
    expect(() => createPoller({ streams: [{ streamArn: ARN, handler }] })).not.toThrow();
    expect(code(() => createPoller({ streams: [{ streamArn: ARN }], handler, streamArn: ARN } as never))).toBe(
      'INVALID_OPTION',
    );
    expect(() => createPoller({ streams: [{ streamArn: ARN }, { streamArn: 'arn:aws:kinesis:x' }], handler })).toThrow(
      InvalidStreamArnError,
    );
    expect(() => createPoller({ streams: [{ streamArn: ARN }, { streamArn: 'arn:aws:kinesis:x' }], handler })).toThrow(
      /streams\[1\]\.streamArn/,
    );
  });
});
