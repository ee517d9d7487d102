import {
  type BatchResult,
  batchHandler,
  DeadlineError,
  DecodeError,
  FatalError,
  HandlerError,
  KplAggregateError,
  processBatch,
  RetryableError,
  type StreamRecord,
} from '@streamshare/core';
import type { RecordEvent } from '@streamshare/core/internal';
import { describe, expect, it, vi } from 'vitest';
import { encodeAggregate, frame } from './fixtures/kpl.js';
import { idOf, record, records, rejected, SHARD, seq } from './fixtures-batch/records.js';

const fast = { attempts: 3, minDelayMs: 1, maxDelayMs: 2, jitter: false } as const;
const enc = new TextEncoder();

function expectCheckpointAt(result: BatchResult, i: number | undefined) {
  if (i === undefined) expect(result.checkpoint).toBeUndefined();
  else expect(result.checkpoint).toEqual({ sequenceNumber: seq(i), subSequenceNumber: 0, complete: true });
}

describe('processBatch, per-record handler', () => {
  it('walks records in sequence order and checkpoints the last one', async () => {
    const seen: number[] = [];
    const result = await processBatch(records(20), (r) => {
      seen.push(idOf(r));
    });
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expectCheckpointAt(result, 19);
    expect(result).toMatchObject({ failed: undefined, total: 20, succeeded: 20, deadLettered: 0 });
  });

  it('resolves an empty batch with no checkpoint and no failure', async () => {
    const handler = vi.fn();
    const onBatch = vi.fn();
    const result = await processBatch([], handler, { onBatch });
    expect(result).toMatchObject({ checkpoint: undefined, failed: undefined, total: 0, succeeded: 0 });
    expect(handler).not.toHaveBeenCalled();
    expect(onBatch).toHaveBeenCalledWith(result);
  });

  it.each([0, 1, 5, 9])(
    'stops at a failure at position %i: checkpoint before it, nothing after started',
    async (at) => {
      const seen: number[] = [];
      const boom = new Error('boom');
      const result = await processBatch(records(10), async (r) => {
        seen.push(idOf(r));
        if (idOf(r) === at) throw boom;
      });
      expect(seen).toEqual(Array.from({ length: at + 1 }, (_, i) => i));
      expectCheckpointAt(result, at === 0 ? undefined : at - 1);
      expect(result.failed?.reason).toBe('handler');
      expect(result.failed?.record.sequenceNumber).toBe(seq(at));
      const error = result.failed?.error as HandlerError;
      expect(error).toBeInstanceOf(HandlerError);
      expect(error.code).toBe('HANDLER_FAILED');
      expect(error.cause).toBe(boom);
      expect(error.attempts).toBe(1);
      expect(error.message).toContain(seq(at));
      expect(result.succeeded).toBe(at);
    },
  );

  it('retries a RetryableError in place and goes on when it succeeds', async () => {
    const calls: [number, number][] = [];
    const result = await processBatch(
      records(3),
      (r, ctx) => {
        calls.push([idOf(r), ctx.attempt]);
        if (idOf(r) === 1 && ctx.attempt < 3) throw new RetryableError('throttled');
      },
      { retry: fast },
    );
    expect(calls).toEqual([
      [0, 1],
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
    ]);
    expect(result.failed).toBeUndefined();
    expectCheckpointAt(result, 2);
  });

  it('gives up after `attempts` and reports the attempts', async () => {
    let calls = 0;
    const result = await processBatch(
      records(2),
      () => {
        calls++;
        throw new RetryableError('still down');
      },
      { retry: { ...fast, attempts: 4 } },
    );
    expect(calls).toBe(4);
    expect((result.failed!.error as HandlerError).attempts).toBe(4);
    expect(result.failed?.attempts).toBe(4);
    expectCheckpointAt(result, undefined);
  });

  it('retries what the isRetryable predicate accepts, and only that', async () => {
    const attempts: number[] = [];
    const result = await processBatch(
      records(2),
      (r, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw Object.assign(new TypeError('socket hang up'), { code: 'ECONNRESET' });
        if (idOf(r) === 1) throw new FatalError('bad record');
      },
      { retry: { ...fast, isRetryable: (e) => (e as { code?: string }).code === 'ECONNRESET' } },
    );
    // record 0: ECONNRESET then success; record 1: ECONNRESET then FatalError (not retried again)
    expect(attempts).toEqual([1, 2, 1, 2]);
    expect(result.failed?.record.sequenceNumber).toBe(seq(1));
    expect((result.failed!.error as HandlerError).cause).toBeInstanceOf(FatalError);
    expectCheckpointAt(result, 0);
  });

  it('does not retry plain errors by default', async () => {
    let calls = 0;
    await processBatch(
      records(1),
      () => {
        calls++;
        throw new Error('nope');
      },
      { retry: fast },
    );
    expect(calls).toBe(1);
  });

  it('dead-letters a poison record after its retries and goes on', async () => {
    const deadLettered: [string, unknown][] = [];
    const seen: number[] = [];
    const result = await processBatch(
      records(5),
      (r) => {
        seen.push(idOf(r));
        if (idOf(r) === 2) throw new RetryableError('poison');
      },
      {
        retry: fast,
        deadLetter: async (r, error) => {
          deadLettered.push([r.sequenceNumber, error]);
        },
      },
    );
    expect(seen).toEqual([0, 1, 2, 2, 2, 3, 4]);
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]?.[0]).toBe(seq(2));
    expect(deadLettered[0]?.[1]).toBeInstanceOf(HandlerError);
    expect(result).toMatchObject({ failed: undefined, succeeded: 4, deadLettered: 1 });
    expectCheckpointAt(result, 4);
  });

  it('blocks on the record when the dead-letter callback throws', async () => {
    const seen: number[] = [];
    const dlq = new Error('DLQ unreachable');
    const result = await processBatch(
      records(4),
      (r) => {
        seen.push(idOf(r));
        if (idOf(r) === 1) throw new Error('poison');
      },
      {
        deadLetter: async () => {
          throw dlq;
        },
      },
    );
    expect(seen).toEqual([0, 1]);
    expect(result.failed?.record.sequenceNumber).toBe(seq(1));
    expect(result.failed?.deadLetterError).toBe(dlq);
    expect(result.failed?.error).toBeInstanceOf(HandlerError);
    expectCheckpointAt(result, 0);
  });

  it('reports a record that does not decode as a DecodeError, not retried, with its identity', async () => {
    const inputs = [record(0), record(1, { data: 'not json' }), record(2)];
    const handler = vi.fn();
    const result = await processBatch(inputs, handler, { codec: 'json', retry: fast });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(result.failed?.reason).toBe('decode');
    const error = result.failed?.error as DecodeError;
    expect(error).toBeInstanceOf(DecodeError);
    expect(error.code).toBe('DECODE_FAILED');
    expect(error.record.sequenceNumber).toBe(seq(1));
    expect(result.failed?.attempts).toBe(0);
    expectCheckpointAt(result, 0);
  });

  it('dead-letters undecodable records with their raw bytes when a dead-letter callback is set', async () => {
    const inputs = [record(0), record(1, { data: 'not json' }), record(2)];
    const dead: StreamRecord<unknown>[] = [];
    const result = await processBatch(inputs, () => {}, {
      codec: 'json',
      deadLetter: async (r) => {
        dead.push(r);
      },
    });
    expect(dead[0]?.data).toEqual(enc.encode('not json'));
    expect(result).toMatchObject({ failed: undefined, succeeded: 2, deadLettered: 1 });
  });

  it('walks rejected inputs at their position as decode failures', async () => {
    const cause = new DecodeError(record(1), 'base64', 'data is not base64');
    const seen: number[] = [];
    const result = await processBatch([record(0), rejected(1, cause), record(2)], (r) => {
      seen.push(idOf(r));
    });
    expect(seen).toEqual([0]);
    expect(result.failed).toMatchObject({ reason: 'decode', error: cause });
    expect(result.failed?.record.sequenceNumber).toBe(seq(1));
  });

  it('decodes lazily: a record is decoded only at its turn', async () => {
    const decoded: number[] = [];
    const codec = {
      name: 'spy',
      decode: (data: Uint8Array) => {
        const value = JSON.parse(new TextDecoder().decode(data)) as { i: number };
        decoded.push(value.i);
        return value;
      },
    };
    await processBatch(
      records(5),
      (r) => {
        if (r.data.i === 1) throw new Error('stop');
      },
      { codec },
    );
    expect(decoded).toEqual([0, 1]);
  });

  it('supports async codecs', async () => {
    const codec = { name: 'async-json', decode: async (d: Uint8Array) => JSON.parse(new TextDecoder().decode(d)) };
    const seen: number[] = [];
    const result = await processBatch(
      records(3),
      (r) => {
        seen.push(idOf(r));
      },
      { codec },
    );
    expect(seen).toEqual([0, 1, 2]);
    expect(result.failed).toBeUndefined();
  });

  it('decodes with auto by default: JSON, text (the console test event) and bytes', async () => {
    const inputs = [
      record(0),
      record(1, { data: 'Hello, this is a test.' }),
      record(2, { data: Uint8Array.of(0xff, 0xfe, 0x00) }),
    ];
    const data: unknown[] = [];
    await processBatch(inputs, (r) => {
      data.push(r.data);
    });
    expect(data[0]).toEqual({ i: 0 });
    expect(data[1]).toBe('Hello, this is a test.');
    expect(data[2]).toBeInstanceOf(Uint8Array);
  });

  it('does not start a record after the deadline and reports the first one with a DeadlineError', async () => {
    const seen: number[] = [];
    let now = 1_000;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const result = await processBatch(
        records(5),
        (r) => {
          seen.push(idOf(r));
          if (idOf(r) === 2) now = 2_000; // time passes during record 2
        },
        { deadline: 1_500 },
      );
      expect(seen).toEqual([0, 1, 2]);
      expectCheckpointAt(result, 2);
      expect(result.failed?.reason).toBe('deadline');
      expect(result.failed?.error).toBeInstanceOf(DeadlineError);
      expect((result.failed!.error as DeadlineError).code).toBe('DEADLINE_EXCEEDED');
      expect(result.failed?.record.sequenceNumber).toBe(seq(3));
    } finally {
      spy.mockRestore();
    }
  });

  it('starts nothing when the deadline has already passed', async () => {
    const handler = vi.fn();
    const result = await processBatch(records(2), handler, { deadline: Date.now() - 1 });
    expect(handler).not.toHaveBeenCalled();
    expect(result.failed?.reason).toBe('deadline');
    expectCheckpointAt(result, undefined);
  });

  it('stops retrying at the deadline without dead-lettering, and aborts the handlers signal', async () => {
    const deadLetter = vi.fn(async () => {});
    let signal: AbortSignal | undefined;
    const result = await processBatch(
      records(2),
      (_r, ctx) => {
        signal = ctx.signal;
        throw new RetryableError('down');
      },
      {
        deadline: Date.now() + 150,
        deadLetter,
        retry: { attempts: 100, minDelayMs: 40, maxDelayMs: 40, jitter: false },
      },
    );
    expect(deadLetter).not.toHaveBeenCalled();
    expect(result.failed?.record.sequenceNumber).toBe(seq(0));
    expect(result.failed?.error).toBeInstanceOf(HandlerError);
    expect(signal?.aborted).toBe(true);
  });

  it('stops starting records once aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const result = await processBatch(
      records(5),
      async (r) => {
        seen.push(idOf(r));
        if (idOf(r) === 1) controller.abort(new Error('SIGTERM'));
      },
      { signal: controller.signal },
    );
    expect(seen).toEqual([0, 1]);
    expectCheckpointAt(result, 1);
    expect(result.failed?.reason).toBe('aborted');
    expect((result.failed!.error as Error).message).toBe('SIGTERM');
  });

  it('calls hooks per record and per batch, and survives hooks that throw', async () => {
    const events: RecordEvent[] = [];
    const result = await processBatch(
      records(3),
      (r) => {
        if (idOf(r) === 2) throw new Error('x');
      },
      {
        onRecord: (e) => {
          events.push(e);
          throw new Error('metrics down');
        },
        onBatch: () => {
          throw new Error('metrics down');
        },
      },
    );
    expect(events.map((e) => e.outcome)).toEqual(['done', 'done', 'failed']);
    expect(events[2]?.error).toBeInstanceOf(HandlerError);
    expect(events[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expectCheckpointAt(result, 1);
  });

  it('rejects invalid options with a clear message', async () => {
    await expect(processBatch(records(1), () => {}, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(processBatch(records(1), () => {}, { retry: { attempts: 0 } })).rejects.toThrow(/retry.attempts/);
    await expect(processBatch(records(1), 42 as never)).rejects.toThrow(/handler/);
  });
});

describe('processBatch, KPL aggregates', () => {
  const aggregateOf = (i: number, users: string[]): StreamRecord<Uint8Array> => ({
    ...record(i, { key: 'outer' }),
    data: frame(
      encodeAggregate(
        users,
        [],
        users.map((_, k) => ({ pk: k, data: enc.encode(JSON.stringify({ i, k })) })),
      ),
    ),
  });

  it('expands aggregates and checkpoints user records with subSequenceNumber and complete', async () => {
    const seen: string[] = [];
    const inputs = [record(0), aggregateOf(1, ['a', 'b', 'c']), record(2)];
    const partial = await processBatch(inputs, (r) => {
      seen.push(`${r.sequenceNumber === seq(1) ? `1.${r.subSequenceNumber}` : idOf(r)}:${r.partitionKey}`);
      if (r.subSequenceNumber === 2) throw new Error('third user record fails');
    });
    expect(seen).toEqual(['0:key-0', '1.0:a', '1.1:b', '1.2:c']);
    expect(partial.total).toBe(5);
    expect(partial.checkpoint).toEqual({ sequenceNumber: seq(1), subSequenceNumber: 1, complete: false });
    expect(partial.failed?.record.subSequenceNumber).toBe(2);

    const whole = await processBatch([aggregateOf(1, ['a', 'b'])], () => {});
    expect(whole.checkpoint).toEqual({ sequenceNumber: seq(1), subSequenceNumber: 1, complete: true });
  });

  it('fails a corrupt aggregate as one item (reason aggregate), or dead-letters it', async () => {
    const corrupt = aggregateOf(1, ['a', 'b']);
    const data = corrupt.data.slice();
    data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0xff; // break the MD5
    const inputs = [record(0), { ...corrupt, data }, record(2)];
    const blocked = await processBatch(inputs, () => {});
    expect(blocked.failed?.reason).toBe('aggregate');
    expect(blocked.failed?.error).toBeInstanceOf(KplAggregateError);
    expectCheckpointAt(blocked, 0);

    const deadLetter = vi.fn(async () => {});
    const dl = await processBatch(inputs, () => {}, { deadLetter, concurrency: 4 });
    expect(deadLetter).toHaveBeenCalledTimes(1);
    expect(dl).toMatchObject({ failed: undefined, deadLettered: 1, succeeded: 2, total: 3 });
    expectCheckpointAt(dl, 2);
  });

  it('passes aggregates through as bytes with deaggregate: false', async () => {
    const seen: unknown[] = [];
    await processBatch(
      [aggregateOf(1, ['a'])],
      (r) => {
        seen.push(r.data);
      },
      { deaggregate: false, codec: 'bytes' },
    );
    expect(seen).toHaveLength(1);
    expect((seen[0] as Uint8Array)[0]).toBe(0xf3);
  });
});

describe('processBatch, concurrency', () => {
  it('runs partition keys in parallel, each in order, and checkpoints the low-water mark', async () => {
    const inputs = records(12, (i) => `k${i % 3}`);
    const running = new Set<string>();
    let maxParallel = 0;
    const seen = new Map<string, number[]>();
    const result = await processBatch(
      inputs,
      async (r) => {
        expect(running.has(r.partitionKey)).toBe(false);
        running.add(r.partitionKey);
        maxParallel = Math.max(maxParallel, running.size);
        await new Promise((resolve) => setTimeout(resolve, 1 + (idOf(r) % 4)));
        seen.set(r.partitionKey, [...(seen.get(r.partitionKey) ?? []), idOf(r)]);
        running.delete(r.partitionKey);
      },
      { concurrency: 3 },
    );
    expect(maxParallel).toBe(3);
    expect(seen.get('k1')).toEqual([1, 4, 7, 10]);
    expectCheckpointAt(result, 11);
  });

  it('a failure stops its key only; the checkpoint stays before it', async () => {
    const inputs = records(9, (i) => `k${i % 3}`);
    const seen: number[] = [];
    const result = await processBatch(
      inputs,
      async (r) => {
        seen.push(idOf(r));
        if (idOf(r) === 4) throw new Error('k1 fails');
      },
      { concurrency: 2 },
    );
    expect(seen).not.toContain(7); // after 4 in k1
    expect(seen).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 5, 6, 8]));
    expectCheckpointAt(result, 3);
    expect(result.failed?.record.sequenceNumber).toBe(seq(4));
  });
});

describe('processBatch, batch handler', () => {
  it('hands the decoded batch at once and checkpoints all of it', async () => {
    let got: number[] = [];
    const result = await processBatch(
      records(4),
      batchHandler((rs, ctx) => {
        got = rs.map(idOf);
        expect(ctx.deadLetter).toBeUndefined();
      }),
    );
    expect(got).toEqual([0, 1, 2, 3]);
    expectCheckpointAt(result, 3);
    expect(result.succeeded).toBe(4);
  });

  it('maps { done, error } to the checkpoint and the failed record', async () => {
    const cause = new Error('entry 2 failed');
    const result = await processBatch(
      records(5),
      batchHandler(() => ({ done: 2, error: cause })),
    );
    expectCheckpointAt(result, 1);
    expect(result.failed?.record.sequenceNumber).toBe(seq(2));
    expect((result.failed!.error as HandlerError).cause).toBe(cause);
    expect(result.succeeded).toBe(2);
  });

  it('a throw means none done; a retryable error retries the records not yet done', async () => {
    const calls: number[][] = [];
    const result = await processBatch(
      records(5),
      batchHandler((rs) => {
        calls.push(rs.map(idOf));
        if (calls.length === 1) throw new RetryableError('throttled');
        if (calls.length === 2) return { done: 2, error: new RetryableError('partial') };
      }),
      { retry: fast },
    );
    expect(calls).toEqual([
      [0, 1, 2, 3, 4],
      [0, 1, 2, 3, 4],
      [2, 3, 4],
    ]);
    expect(result.failed).toBeUndefined();
    expectCheckpointAt(result, 4);

    const thrown = await processBatch(
      records(3),
      batchHandler(() => {
        throw new Error('down');
      }),
    );
    expectCheckpointAt(thrown, undefined);
    expect(thrown.failed?.record.sequenceNumber).toBe(seq(0));
  });

  it('never calls a handler with its own retries again in place: its retryable error ends the batch', async () => {
    let calls = 0;
    const result = await processBatch(
      records(4),
      batchHandler(
        () => {
          calls++;
          return { done: 1, error: new RetryableError('gave up after my own retries') };
        },
        { ownRetries: true },
      ),
      { retry: fast },
    );
    expect(calls).toBe(1);
    expectCheckpointAt(result, 0);
    expect(result.failed?.record.sequenceNumber).toBe(seq(1));
    expect(() => batchHandler(() => {}, { ownRetries: 'yes' as never })).toThrow(/ownRetries must be a boolean/);
  });

  it('decodes up to the first undecodable record, or dead-letters it and goes on', async () => {
    const inputs = [record(0), record(1, { data: '{' }), record(2)];
    let got: number[] = [];
    const blocked = await processBatch(
      inputs,
      batchHandler((rs) => {
        got = rs.map(idOf);
      }),
      { codec: 'json' },
    );
    expect(got).toEqual([0]);
    expect(blocked.failed?.reason).toBe('decode');
    expectCheckpointAt(blocked, 0);

    const deadLetter = vi.fn(async () => {});
    const dl = await processBatch(
      inputs,
      batchHandler((rs, ctx) => {
        got = rs.map(idOf);
        expect(ctx.deadLetter).toBe(deadLetter);
      }),
      { codec: 'json', deadLetter },
    );
    expect(got).toEqual([0, 2]);
    expect(deadLetter).toHaveBeenCalledTimes(1);
    expect(dl).toMatchObject({ failed: undefined, succeeded: 2, deadLettered: 1 });
    expectCheckpointAt(dl, 2);
  });

  it('does not call the handler after the deadline', async () => {
    const handle = vi.fn();
    const result = await processBatch(records(2), batchHandler(handle), { deadline: Date.now() - 1 });
    expect(handle).not.toHaveBeenCalled();
    expect(result.failed?.reason).toBe('deadline');
  });

  it('reports per-record events for a batch', async () => {
    const events: string[] = [];
    await processBatch(
      records(3),
      batchHandler(() => ({ done: 1, error: new Error('x') })),
      { onRecord: (e) => events.push(`${e.record.sequenceNumber === seq(0) ? 0 : 1}:${e.outcome}`) },
    );
    expect(events).toEqual(['0:done', '1:failed']);
  });
});

it('names the shard in failures', async () => {
  const result = await processBatch(records(1), () => {
    throw new Error('x');
  });
  expect((result.failed!.error as Error).message).toContain(SHARD);
});
