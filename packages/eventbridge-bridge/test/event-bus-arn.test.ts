import { ForwarderOptionError } from '@streamshare/eventbridge-bridge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventBusArn } from '../src/bus/event-bus.js';

// The grammar of an event bus ARN, written out once as a reference: an AWS partition, `events`, a
// region, a 12-digit account, `event-bus/` and a name of 1-256 characters of A-Z a-z 0-9 . _ - /.
const GRAMMAR = /^arn:(aws[a-z-]*):events:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):event-bus\/([A-Za-z0-9._\-/]{1,256})$/;

/** A field: mostly one of the valid values, sometimes one of the wrong ones. */
const field = (valid: string[], wrong: string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 5 }, { arbitrary: fc.constantFrom(...wrong), weight: 1 });

/** ARNs near the grammar: each field valid, or one of a few ways of being wrong. */
const nearArn = fc
  .tuple(
    field(['arn'], ['ARN', 'arn:x', '']),
    field(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b'], ['azure', '', 'aws:', 'AWS']),
    field(['events'], ['sqs', 'Events', '']),
    field(['ap-northeast-1', 'us-gov-west-1'], ['us-east', 'US-EAST-1', '', '*']),
    field(['777700007777'], ['7777', '7777000077771', '', 'ZZZZZZZZZZZZ']),
    field(['event-bus/'], ['rule/', 'event-bus', '']),
    fc.oneof(
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9._\-/]{1,8}$/), weight: 5 },
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9._\-/: ]{0,4}$/), weight: 1 },
      { arbitrary: fc.integer({ min: 250, max: 260 }).map((n) => 'n'.repeat(n)), weight: 1 },
    ),
  )
  .map((fields) => `${fields.slice(0, 6).join(':')}${fields[6]}`);

describe('parseEventBusArn', () => {
  it('takes exactly the ARNs of the event bus grammar, and refuses anything else with INVALID_EVENT_BUS_ARN', () => {
    const seen = { taken: 0, refused: 0 };
    fc.assert(
      fc.property(fc.oneof(nearArn, fc.string()), (value) => {
        const match = GRAMMAR.exec(value);
        seen[match ? 'taken' : 'refused'] += 1;
        if (match) {
          expect(parseEventBusArn(value)).toEqual({
            arn: value,
            partition: match[1],
            region: match[2],
            account: match[3],
            name: match[4],
          });
        } else {
          let error: unknown;
          try {
            parseEventBusArn(value, 'eventBusName');
          } catch (thrown) {
            error = thrown;
          }
          expect(error).toBeInstanceOf(ForwarderOptionError);
          expect(error).toMatchObject({ code: 'INVALID_EVENT_BUS_ARN', option: 'eventBusName' });
          expect((error as Error).message).toContain(
            `${JSON.stringify(value)} is not an event bus ARN; expected arn:aws:events:<region>:<account>:event-bus/<name>`,
          );
        }
      }),
      { numRuns: 3000 },
    );
    // Both sides of the grammar were tried.
    expect(seen.taken).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
  });

  it('refuses a value that is not a string with the same typed error', () => {
    for (const value of [undefined, null, 7, {}, ['arn:aws:events:ap-northeast-1:777700007777:event-bus/x']]) {
      expect(() => parseEventBusArn(value as string)).toThrow(ForwarderOptionError);
    }
  });
});
