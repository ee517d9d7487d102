import { gzipSync } from 'node:zlib';
import { type CloudWatchLogsData, DecodeError } from '@streamshare/core';
import { describe, expect, it } from 'vitest';
import { cloudWatchLogs, isControlMessage, logEventsOf } from '../src/codec/cloudwatch-logs.js';
import { decodeRecord } from '../src/codec/decode-record.js';
import { resolveCodec } from '../src/codec/resolve-codec.js';
import { controlMessage, dataMessage, gz } from './fixtures/cloudwatch-logs.js';
import { kinesisRecord } from './fixtures/kpl.js';

const decode = (data: Uint8Array) =>
  (decodeRecord(kinesisRecord(data), cloudWatchLogs) as { data: CloudWatchLogsData }).data;

describe('cloudWatchLogs', () => {
  it('decodes a DATA_MESSAGE and gives its log events one by one', () => {
    const data = decode(gz(dataMessage));
    expect(data.messageType).toBe('DATA_MESSAGE');
    expect(isControlMessage(data)).toBe(false);
    expect(data.logGroup).toBe('/aws/lambda/orders');
    const seen: string[] = [];
    for (const event of logEventsOf(data)) seen.push(`${event.timestamp} ${event.message}`);
    expect(seen).toEqual([
      '1709100911000 START RequestId: 1',
      '1709100911005 {"level":"info"}',
      '1709100911009 127.0.0.1 GET /',
    ]);
    expect(logEventsOf(data)[2]?.extractedFields).toEqual({ ip: '127.0.0.1', verb: 'GET' });
  });

  it('decodes a CONTROL_MESSAGE, distinguishable and without log events', () => {
    const data = decode(gz(controlMessage));
    expect(data.messageType).toBe('CONTROL_MESSAGE');
    expect(isControlMessage(data)).toBe(true);
    expect(logEventsOf(data)).toEqual([]);
    expect(data.logEvents[0]?.message).toMatch(/CWL CONTROL MESSAGE/);
  });

  it('is the codec named cloudwatch-logs', () => {
    expect(resolveCodec('cloudwatch-logs')).toBe(cloudWatchLogs);
  });

  it.each([
    ['uncompressed JSON', new TextEncoder().encode(JSON.stringify(dataMessage)), /not gzip or zlib data/],
    ['gzip of a JSON string', gz('hello'), /the JSON is not an object/],
    ['gzip of text', new Uint8Array(gzipSync('hello')), /not JSON/],
    [
      'an unknown messageType',
      gz({ ...dataMessage, messageType: 'OTHER' }),
      /messageType should be "DATA_MESSAGE" or "CONTROL_MESSAGE", got "OTHER"/,
    ],
    ['a missing logGroup', gz({ ...dataMessage, logGroup: undefined }), /logGroup should be a string/],
    [
      'a bad log event',
      gz({ ...dataMessage, logEvents: [{ id: '1', timestamp: '0', message: 'm' }] }),
      /logEvents\[0\]\.timestamp should be a number/,
    ],
    [
      'bad subscriptionFilters',
      gz({ ...dataMessage, subscriptionFilters: 'f' }),
      /subscriptionFilters should be an array of strings/,
    ],
    ['a JSON array', gz([1]), /the JSON is not an object/],
  ])('refuses %s', (_, data, message) => {
    expect(() => decode(data)).toThrow(DecodeError);
    expect(() => decode(data)).toThrow(message);
    expect(() => decode(data)).toThrow(/cloudwatch-logs codec could not decode/);
  });
});
