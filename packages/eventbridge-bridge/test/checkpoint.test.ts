import { HandlerError, processBatch, silentLogger } from '@streamshare/core';
import { toLambdaKinesisEvent } from '@streamshare/core/internal';
import { eventBridgeForwarder, PutEventsEntryError } from '@streamshare/eventbridge-bridge';
import { kinesisHandler } from '@streamshare/lambda-adapter';
import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { BUS_ARN, FAST_RETRY, jsonRecords, nOf, seq, useEventBridgeServer } from './helpers.js';

const bus = useEventBridgeServer({ resetEach: true });

const forwarder = () => eventBridgeForwarder({ eventBusArn: BUS_ARN, client: bus.client, retry: FAST_RETRY });
const failN = (n: number, errorCode: string) => [
  { errorCode, match: (e: { detail: string }) => JSON.parse(e.detail).data.n === n },
];

describe('the first failed entry becomes the checkpoint', () => {
  it('through processBatch: checkpoint before it, failed at it, later accepted entries not acknowledged', async () => {
    bus.server.setFailures(failN(6, 'AccessDeniedException'));
    const result = await processBatch(jsonRecords(12), forwarder(), {
      codec: 'bytes',
      retry: { attempts: 1 },
      logger: silentLogger,
    });
    expect(result.checkpoint?.sequenceNumber).toBe(seq(5));
    expect(result.failed?.record.sequenceNumber).toBe(seq(6));
    expect(result.failed?.error).toBeInstanceOf(HandlerError);
    expect((result.failed!.error as HandlerError).cause).toBeInstanceOf(PutEventsEntryError);
    expect(result.succeeded).toBe(6);
    expect(bus.server.events.map(nOf)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9]);
  });

  it('through processBatch with a dead-letter policy: the refused record is dead-lettered, all done', async () => {
    bus.server.setFailures(failN(6, 'MalformedDetail'));
    const dead: string[] = [];
    const result = await processBatch(jsonRecords(12), forwarder(), {
      codec: 'bytes',
      retry: { attempts: 1 },
      deadLetter: async (record) => void dead.push(record.sequenceNumber),
    });
    expect(result.failed).toBeUndefined();
    expect(result.checkpoint?.sequenceNumber).toBe(seq(11));
    expect(dead).toEqual([seq(6)]);
  });

  it('through processBatch: only the forwarder retries; a transient failure that outlives it ends the batch there', async () => {
    // Fails the entry on its first 3 sends: all of the forwarder's 3 attempts.
    bus.server.setFailures([{ ...failN(4, 'ThrottlingException')[0]!, times: 3 }]);
    const result = await processBatch(jsonRecords(8), forwarder(), {
      codec: 'bytes',
      // core would retry a retryable batch handler error 3 times; the forwarder has its own retries.
      retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 },
    });
    expect(result.failed?.record.sequenceNumber).toBe(seq(4));
    expect((result.failed?.error as HandlerError | undefined)?.cause).toBeInstanceOf(PutEventsEntryError);
    expect(result.checkpoint?.sequenceNumber).toBe(seq(3));
    // One call with all 8 entries, then two re-sends of entry 4 alone: 3 calls, not 3 x 3.
    expect(bus.server.calls.map((c) => c.entryCount)).toEqual([8, 1, 1]);
    // The redelivery (Lambda's retry, the poller's next read) sends 4..7 again: the entry the
    // forwarder gave up on goes through now.
    const again = await processBatch(jsonRecords(8).slice(4), forwarder(), { codec: 'bytes' });
    expect(again.failed).toBeUndefined();
    const ids = bus.server.events.map((e) => JSON.parse(e.detail).id as string);
    expect(new Set(ids).size).toBe(8);
  });

  it("through kinesisHandler: batchItemFailures names the first failed record's sequence number", async () => {
    bus.server.setFailures(failN(3, 'ThrottlingException'));
    const handler = kinesisHandler(forwarder(), { codec: 'bytes', retry: { attempts: 1 }, logger: silentLogger });
    const event = toLambdaKinesisEvent(jsonRecords(10)) as unknown as KinesisStreamEvent;
    const response = await handler(event);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(3) }] });
    expect(bus.server.events.map(nOf)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });

  it('through kinesisHandler: no failures when every entry is accepted', async () => {
    const handler = kinesisHandler(forwarder(), { codec: 'bytes', logger: silentLogger });
    const response = await handler(toLambdaKinesisEvent(jsonRecords(23)) as unknown as KinesisStreamEvent);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.server.events).toHaveLength(23);
  });
});
