import { deflateSync, gzipSync } from 'node:zlib';
import { DecodeError } from '@streamshare/core';
import { fromLambdaRecord } from '@streamshare/core/internal';
import { describe, expect, it } from 'vitest';
import { auto } from '../src/codec/auto.js';
import { decodeRecord } from '../src/codec/decode-record.js';
import { kinesisRecord } from './fixtures/kpl.js';
import { consoleTestRecord, referenceLambdaRecord } from './fixtures/lambda-event.js';

const enc = new TextEncoder();
const decode = (data: Uint8Array) => auto.decode(data, kinesisRecord(data));

describe('auto', () => {
  it('gives the console test event as a string', () => {
    const record = decodeRecord(fromLambdaRecord(consoleTestRecord()), auto);
    expect(record).toMatchObject({ data: 'Hello, this is a test.' });
  });

  it('gives JSON producers objects', () => {
    expect(decodeRecord(fromLambdaRecord(referenceLambdaRecord()), auto)).toMatchObject({
      data: { this_is: 'test record' },
    });
    expect(decode(enc.encode(' [1, 2] '))).toEqual([1, 2]);
    expect(decode(enc.encode('42'))).toBe(42);
    expect(decode(enc.encode('null'))).toBeNull();
  });

  it('gives text that only looks like JSON at first as text', () => {
    expect(decode(enc.encode('{not json'))).toBe('{not json');
    expect(decode(enc.encode('true story'))).toBe('true story');
    expect(decode(enc.encode(''))).toBe('');
  });

  it('gives bytes that are not UTF-8 as bytes', () => {
    const data = Uint8Array.of(0xc3, 0x28, 0x00);
    expect(decode(data)).toBe(data);
  });

  it('unpacks gzip and zlib first', () => {
    expect(decode(gzipSync('{"a":1}'))).toEqual({ a: 1 });
    expect(decode(deflateSync('plain text'))).toBe('plain text');
    const binary = Uint8Array.of(0xff, 0x00, 0x80);
    expect(decode(gzipSync(binary))).toEqual(binary);
  });

  it('takes text that happens to start like a zlib header as text', () => {
    // 0x78 0x5e is a valid zlib header ("x^"), but this does not inflate
    expect(decode(enc.encode('x^2 + y^2'))).toBe('x^2 + y^2');
  });

  it('fails on a truncated gzip: the magic bytes say gzip', () => {
    const data = gzipSync('{"a":"'.padEnd(500, 'x') + '"}').subarray(0, 30);
    expect(() => decodeRecord(kinesisRecord(data), auto)).toThrow(DecodeError);
    expect(() => decodeRecord(kinesisRecord(data), auto)).toThrow(/auto codec could not decode/);
  });
});
