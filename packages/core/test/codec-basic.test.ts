import { DecodeError, InvalidInputError } from '@streamshare/core';
import { fromLambdaRecord } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auto } from '../src/codec/auto.js';
import { bytes } from '../src/codec/bytes.js';
import { cloudWatchLogs } from '../src/codec/cloudwatch-logs.js';
import { decodeRecord } from '../src/codec/decode-record.js';
import { gzip } from '../src/codec/gzip.js';
import { json } from '../src/codec/json.js';
import { CODEC_NAMES, resolveCodec } from '../src/codec/resolve-codec.js';
import { text } from '../src/codec/text.js';
import { kinesisRecord } from './fixtures/kpl.js';
import { consoleTestRecord, referenceLambdaRecord } from './fixtures/lambda-event.js';

const enc = new TextEncoder();
const INVALID_UTF8 = Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d);

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('bytes', () => {
  it('gives the bytes unchanged', () => {
    const data = Uint8Array.of(0, 255, 1);
    expect(decodeRecord(kinesisRecord(data), bytes)).toMatchObject({ data });
  });
});

describe('text', () => {
  it('decodes UTF-8', () => {
    const record = decodeRecord(kinesisRecord(enc.encode('héllo ✓')), text);
    expect(record).toMatchObject({ data: 'héllo ✓', partitionKey: 'outer-key' });
  });

  it('refuses invalid UTF-8 with a DecodeError naming the record and the codec', () => {
    const error = decodeError(() => decodeRecord(kinesisRecord(INVALID_UTF8), text));
    expect(error.code).toBe('DECODE_FAILED');
    expect(error.codec).toBe('text');
    expect(error.record.sequenceNumber).toBe('49649683864473953433843496278632352517587667908684677122');
    expect(error.message).toMatch(/text codec could not decode record 4964.* not valid UTF-8/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('decodes exactly as a fatal TextDecoder does, on any bytes (valid, invalid, BOM, encoded U+FFFD)', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const outcome = (decode: () => string) => {
      try {
        return { text: decode() };
      } catch {
        return { error: true };
      }
    };
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => enc.encode(s)),
      fc.constantFrom(
        Uint8Array.of(0xef, 0xbb, 0xbf), // BOM
        Uint8Array.of(0xef, 0xbf, 0xbd), // U+FFFD itself
        Uint8Array.of(0xed, 0xa0, 0x80), // an encoded surrogate
        Uint8Array.of(0xc0, 0xaf), // overlong
        Uint8Array.of(0xf0, 0x9f, 0x98), // truncated
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const data = Uint8Array.from(pieces.flatMap((p) => [...p]));
        expect(outcome(() => text.decode(data, kinesisRecord(data)) as string)).toEqual(
          outcome(() => strict.decode(data)),
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe('json', () => {
  it('parses the reference record', () => {
    const record = decodeRecord(fromLambdaRecord(referenceLambdaRecord()), json);
    expect(record).not.toBeInstanceOf(Promise);
    expect((record as { data: unknown }).data).toEqual({ this_is: 'test record' });
  });

  it('refuses data that is not JSON (the console test event)', () => {
    const error = decodeError(() => decodeRecord(fromLambdaRecord(consoleTestRecord()), json));
    expect(error.codec).toBe('json');
    expect(error.message).toMatch(/not JSON/);
    expect(error.record.shardId).toBe('shardId-000000000006');
  });

  it('refuses invalid UTF-8 and empty data', () => {
    expect(decodeError(() => decodeRecord(kinesisRecord(INVALID_UTF8), json)).message).toMatch(/not valid UTF-8/);
    expect(decodeError(() => decodeRecord(kinesisRecord(new Uint8Array()), json)).message).toMatch(
      /not JSON \(0 bytes\)/,
    );
  });
});

describe('decodeRecord', () => {
  it('keeps the identity and every other field', () => {
    const raw = kinesisRecord(enc.encode('"x"'), { subSequenceNumber: 3, aggregateSize: 9, explicitHashKey: '5' });
    const { data, ...rest } = decodeRecord(raw, json) as { data: unknown };
    const { data: _raw, ...expected } = raw;
    expect(rest).toEqual(expected);
    expect(data).toBe('x');
  });

  it('names the sub-sequence number of a KPL user record', () => {
    const raw = kinesisRecord(INVALID_UTF8, { subSequenceNumber: 4 });
    const error = decodeError(() => decodeRecord(raw, text));
    expect(error.record.subSequenceNumber).toBe(4);
    expect(error.message).toContain('sub 4');
  });

  it('wraps a custom codec throwing a non-Error', () => {
    const codec = {
      name: 'custom',
      decode: () => {
        throw 'nope';
      },
    };
    const error = decodeError(() => decodeRecord(kinesisRecord(new Uint8Array()), codec));
    expect(error.message).toMatch(/custom codec could not decode .*: nope/);
  });

  it('rejects with a DecodeError when an async codec rejects', async () => {
    const codec = { name: 'slow', decode: async () => Promise.reject(new Error('later')) };
    const result = decodeRecord(kinesisRecord(new Uint8Array()), codec);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toBeInstanceOf(DecodeError);
    await expect(result).rejects.toThrow(/slow codec .*: later/);
  });

  it('resolves when an async codec resolves', async () => {
    const codec = { name: 'slow', decode: async (data: Uint8Array) => data.length };
    await expect(decodeRecord(kinesisRecord(Uint8Array.of(1, 2)), codec)).resolves.toMatchObject({ data: 2 });
  });
});

describe('resolveCodec', () => {
  it('defaults to auto and resolves every name', () => {
    expect(resolveCodec()).toBe(auto);
    expect(resolveCodec('auto')).toBe(auto);
    expect(resolveCodec('bytes')).toBe(bytes);
    expect(resolveCodec('text')).toBe(text);
    expect(resolveCodec('json')).toBe(json);
    expect(resolveCodec('gzip')).toBe(gzip);
    expect(resolveCodec('cloudwatch-logs')).toBe(cloudWatchLogs);
    expect(CODEC_NAMES).toEqual(['auto', 'bytes', 'text', 'json', 'gzip', 'cloudwatch-logs']);
  });

  it('returns a codec object as is', () => {
    const codec = { name: 'mine', decode: (d: Uint8Array) => d.length };
    expect(resolveCodec(codec)).toBe(codec);
  });

  it('refuses an unknown name, listing the valid ones', () => {
    expect(() => resolveCodec('yaml' as never)).toThrow(InvalidInputError);
    expect(() => resolveCodec('yaml' as never)).toThrow(
      'unknown codec "yaml": expected one of auto, bytes, text, json, gzip, cloudwatch-logs, or a Codec object',
    );
    expect(() => resolveCodec('toString' as never)).toThrow(/unknown codec "toString"/);
    expect(() => resolveCodec(42 as never)).toThrow(/got number/);
  });
});
