import {
  decodeEventMessage,
  fastShardEventMessage,
  shardEventMessage,
  type WireShardEvent,
} from '@streamshare/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const wireRecord = fc.record({
  Data: fc.base64String({ maxLength: 2000 }),
  PartitionKey: fc.string({ minLength: 1, maxLength: 256 }),
  SequenceNumber: fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String),
  ApproximateArrivalTimestamp: fc.integer({ min: 0, max: 2 ** 40 }).map((ms) => ms / 1000),
});
const shardEvent: fc.Arbitrary<WireShardEvent> = fc.record({
  Records: fc.array(wireRecord, { maxLength: 20 }),
  ContinuationSequenceNumber: fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n }).map(String)),
  MillisBehindLatest: fc.nat(),
});

describe("fastShardEventMessage (the generate script's framing)", () => {
  it('gives the very bytes of the @smithy/core codec (shardEventMessage), and decodes back to the event', () => {
    fc.assert(
      fc.property(shardEvent, (event) => {
        const fast = fastShardEventMessage(event);
        expect(Buffer.from(fast).equals(Buffer.from(shardEventMessage(event)))).toBe(true);
        const decoded = decodeEventMessage(fast);
        expect(decoded.headers[':event-type']).toBe('SubscribeToShardEvent');
        expect(decoded.body).toEqual(JSON.parse(JSON.stringify(event)));
      }),
      { numRuns: 200 },
    );
  });
});
