import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pollerOptionsFrom, stopTimeoutOf } from '../src/cli/commands/poll.js';
import { readFlags } from '../src/cli/flags.js';
import { classifyHandler } from '../src/cli/load-handler.js';
import { POLL_FLAGS, pollConfigFrom } from '../src/cli/poll-config.js';
import { deadline, onShutdownSignal } from '../src/cli/shutdown.js';

const ARN = 'arn:aws:kinesis:us-east-1:999900009999:stream/orders';

describe('shutdown signals', () => {
  it('resolves on the first SIGTERM or SIGINT and reports a second one', async () => {
    for (const first of ['SIGTERM', 'SIGINT'] as const) {
      const source = new EventEmitter();
      const repeats: string[] = [];
      const signal = onShutdownSignal(source as never, (s) => repeats.push(s));
      source.emit(first, first);
      await expect(signal.requested).resolves.toBe(first);
      source.emit('SIGINT', 'SIGINT');
      expect(repeats).toEqual(['SIGINT']);
      signal.dispose();
      expect(source.listenerCount('SIGTERM') + source.listenerCount('SIGINT')).toBe(0);
    }
  });

  it('bounds a stop with a deadline that can be cancelled', async () => {
    await expect(deadline(10).expired).resolves.toBe('timeout');
    const cancelled = deadline(10);
    cancelled.cancel();
    const outcome = await Promise.race([
      cancelled.expired,
      new Promise((resolve) => setTimeout(() => resolve('ok'), 50)),
    ]);
    expect(outcome).toBe('ok');
  });

  it('leaves the poller a margin under the shutdown bound to checkpoint an abandoned batch', () => {
    expect(stopTimeoutOf(25_000)).toBe(20_000);
    expect(stopTimeoutOf(1_500)).toBe(1_200);
    expect(stopTimeoutOf(100)).toBe(80);
  });
});

describe('flags to createPoller options', () => {
  const handler = classifyHandler(() => undefined)!;
  const options = (argv: string[]) =>
    pollerOptionsFrom(
      pollConfigFrom(readFlags(POLL_FLAGS, ['--stream-arn', ARN, '--handler', 'h.mjs', ...argv], {})),
      handler,
      {
        cwd: '/srv/app',
        logger: undefined as never,
        observer: undefined,
      },
    );

  it('maps a single worker with file checkpoints, resolved against the working directory', () => {
    const o = options(['--from', 'latest', '--concurrency', '4', '--batch-size', '500', '--idle-ms', '250']);
    expect(o).toMatchObject({
      streamArn: ARN,
      codec: 'auto',
      startingPosition: 'LATEST',
      concurrency: 4,
      maxRecordsPerCall: 500,
      idleTimeBetweenReadsMs: 250,
      checkpointDir: '/srv/app/.streamshare',
      stopTimeoutMs: 20_000,
    });
    expect(o.leaseTable).toBeUndefined();
    expect(o.assumeRole).toBeUndefined();
  });

  it('maps a lease table, an assumed role and a start time', () => {
    const o = options([
      '--lease-table',
      'leases',
      '--worker-id',
      'w1',
      '--failover-ms',
      '12000',
      '--role-arn',
      'arn:aws:iam::999900009999:role/reader',
      '--external-id',
      'x-1',
      '--from',
      '2024-02-28T06:15:00Z',
    ]);
    expect(o.leaseTable).toEqual({ tableName: 'leases', workerId: 'w1', failoverTimeMs: 12000 });
    expect(o.checkpointDir).toBeUndefined();
    expect(o.assumeRole).toEqual({
      roleArn: 'arn:aws:iam::999900009999:role/reader',
      externalId: 'x-1',
      sessionName: 'streamshare-poller',
    });
    expect(o.startingPosition).toEqual({ timestamp: new Date('2024-02-28T06:15:00Z') });
  });
});
