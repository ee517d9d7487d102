import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventBridgeForwarder, ForwarderOptionError, putEventsEntrySize } from '@streamshare/eventbridge-bridge';
import { eventBridgeEntrySize } from '@streamshare/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventBusArn, resolveEventBus } from '../src/bus/event-bus.js';
import { BUS_ARN } from './helpers.js';

describe('the target bus', () => {
  it('takes region and account from the ARN and sends to the ARN', () => {
    expect(parseEventBusArn(BUS_ARN)).toEqual({
      arn: BUS_ARN,
      partition: 'aws',
      region: 'ap-northeast-1',
      account: '777700007777',
      name: 'kds-shared-bus',
    });
    const forwarder = eventBridgeForwarder({ eventBusArn: BUS_ARN });
    expect(forwarder).toMatchObject({ kind: 'batch', eventBus: BUS_ARN, region: 'ap-northeast-1' });
    forwarder.client.destroy();
  });

  it('builds the default client for the bus region', async () => {
    const forwarder = eventBridgeForwarder({ eventBusArn: BUS_ARN });
    expect(await forwarder.client.config.region()).toBe('ap-northeast-1');
    forwarder.client.destroy();
  });

  it.each([
    'arn:aws:events:ap-northeast-1:777700007777:rule/x',
    'arn:aws:events:ap-northeast-1:7777:event-bus/x',
    'arn:aws:sqs:ap-northeast-1:777700007777:event-bus/x',
    'kds-shared-bus',
    '',
  ])('refuses the malformed ARN %j with the expected form', (arn) => {
    const attempt = () => eventBridgeForwarder({ eventBusArn: arn });
    expect(attempt).toThrow(ForwarderOptionError);
    expect(attempt).toThrow('expected arn:aws:events:<region>:<account>:event-bus/<name>');
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_EVENT_BUS_ARN', option: 'eventBusArn' });
    }
  });

  it('takes a bus by name with its region, and refuses a name without one', () => {
    expect(resolveEventBus({ eventBusName: 'orders', region: 'eu-west-1' })).toEqual({
      eventBusName: 'orders',
      region: 'eu-west-1',
    });
    expect(() => resolveEventBus({ eventBusName: 'orders' })).toThrow(/option region: missing/);
    expect(() => resolveEventBus({})).toThrow(/give eventBusArn/);
    expect(() => resolveEventBus({ eventBusArn: BUS_ARN, region: 'us-east-1' })).toThrow(/differs from the region/);
  });

  it('refuses limits beyond what PutEvents allows, and invalid Source / DetailType', () => {
    const client = new EventBridgeClient({ region: 'ap-northeast-1' });
    const make = (o: object) => () => eventBridgeForwarder({ eventBusArn: BUS_ARN, client, ...o });
    expect(make({ maxEntriesPerRequest: 11 })).toThrow(/maxEntriesPerRequest: must be an integer from 1 to 10/);
    expect(make({ maxEntriesPerRequest: 0 })).toThrow(ForwarderOptionError);
    expect(make({ maxRequestBytes: 1_048_577 })).toThrow(/maxRequestBytes/);
    expect(make({ source: 'aws.kinesis' })).toThrow(/reserved prefix/);
    expect(make({ detailType: 'x'.repeat(129) })).toThrow(/detailType must be a string of 1 to 128/);
    expect(make({ retry: { attempts: 0 } })).toThrow(/retry.attempts/);
    expect(make({ maxRequestBytes: 1_048_576, maxEntriesPerRequest: 1 })).not.toThrow();
    client.destroy();
  });
});

describe('entry size', () => {
  it('follows the documented formula: Time 14, UTF-8 bytes of Source, DetailType, Detail, Resources; not EventBusName', () => {
    expect(
      putEventsEntrySize({
        Time: new Date(),
        Source: 'a.b',
        DetailType: 'ü',
        Detail: '{"k":"日本"}',
        Resources: ['r1', 'r22'],
        EventBusName: 'ignored-in-the-size',
      }),
    ).toBe(14 + 3 + 2 + 14 + 2 + 3);
    expect(putEventsEntrySize({ Source: 's', DetailType: 'd' })).toBe(2);
  });

  it("agrees with the loopback server's own implementation on arbitrary entries", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            Time: fc.date({ noInvalidDate: true }),
            Source: fc.string({ minLength: 1, unit: 'binary' }),
            DetailType: fc.string({ minLength: 1, unit: 'binary' }),
            Detail: fc.string({ unit: 'binary' }),
            Resources: fc.array(fc.string({ unit: 'binary' })),
            EventBusName: fc.string(),
          },
          { requiredKeys: ['Source', 'DetailType'] },
        ),
        (entry) => putEventsEntrySize(entry) === eventBridgeEntrySize(entry),
      ),
    );
  });
});
