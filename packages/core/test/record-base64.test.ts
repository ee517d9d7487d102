import { DecodeError } from '@streamshare/core';
import { fromLambdaRecord, type LambdaKinesisRecord } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceLambdaRecord } from './fixtures/lambda-event.js';

function withData(data: string): LambdaKinesisRecord {
  const record = referenceLambdaRecord();
  return { ...record, kinesis: { ...record.kinesis, data } };
}

/** The bytes fromLambdaRecord decodes, or 'rejected' when it refuses the data as base64. */
function decode(data: string): Uint8Array | 'rejected' {
  try {
    return fromLambdaRecord(withData(data)).data;
  } catch (error) {
    if (error instanceof DecodeError && error.codec === 'base64') return 'rejected';
    throw error;
  }
}

/** The definition: canonical standard base64 is what re-encoding its decoding gives back. */
function isCanonical(text: string): boolean {
  return text.length % 4 === 0 && Buffer.from(text, 'base64').toString('base64') === text;
}

// Characters that trip lenient decoders: whitespace, URL-safe letters, padding, Latin-1, and code
// units above 0xFF whose low byte is a base64 letter, '=', '-' or NUL (Node keeps only the low byte).
const tricky = ['A', 'Q', 'g', 'w', 'z', '0', '9', '+', '/', '=', '-', '_', ' ', '\n', '\t', '.', '\u00e9', '\u00ff'];
const wide = ['\u0155', '\u0141', '\u013d', '\u012d', '\u0100', '\u2b2b', '\ud83d'];

describe('strict base64 of Lambda record data', () => {
  it.each([
    ['', ''],
    ['QQ==', '41'],
    ['QUI=', '4142'],
    ['QUJD', '414243'],
    ['+/+/', 'fbffbf'],
  ])('decodes canonical %j', (text, hex) => {
    const bytes = decode(text);
    expect(bytes).not.toBe('rejected');
    expect(Buffer.from(bytes as Uint8Array).toString('hex')).toBe(hex);
  });

  it.each([
    ['QUJ'], // length not a multiple of 4
    ['QUJDRA'], // missing padding
    ['QU D'], // whitespace inside
    ['QUJD\nRA=='], // line break
    ['QUJ\nRA=='], // line break, length still a multiple of 4
    [' QUJ'], // leading space
    ['QU=D'], // padding in the middle
    ['Q==='], // three padding characters
    ['===='], // padding only
    ['QR=='], // non-zero trailing bits (4 bits)
    ['QUJ='], // non-zero trailing bits (2 bits)
    ['QUJ-'], // URL-safe
    ['QUJ_'], // URL-safe
    ['QU.D'], // outside the alphabet
    ['QU\u00e9D'], // Latin-1
    ['Q\u0155JD'], // U+0155: Node would read it as 'U' and decode "ABC"
    ['QUJ\u0144'], // U+0144: read as 'D'
    ['QUJDRA=\u013d'], // U+013D: read as '='
    ['QUJ\u012d'], // U+012D: read as '-'
  ])('rejects %j', (text) => {
    expect(isCanonical(text)).toBe(false);
    expect(decode(text)).toBe('rejected');
  });

  it('accepts exactly the canonical strings (random strings of tricky characters)', () => {
    const character = fc.constantFrom(...tricky, ...wide);
    fc.assert(
      fc.property(fc.array(character, { maxLength: 16 }), (chars) => {
        const text = chars.join('');
        const decoded = decode(text);
        if (isCanonical(text)) {
          expect(decoded).not.toBe('rejected');
          expect(Buffer.from(decoded as Uint8Array).equals(Buffer.from(text, 'base64'))).toBe(true);
        } else {
          expect(decoded).toBe('rejected');
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts the encoding of any bytes and rejects it with any one character changed', () => {
    const replacement = fc.constantFrom(...tricky, ...wide);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), replacement, (bytes, at, character) => {
        const text = Buffer.from(bytes).toString('base64');
        const decoded = decode(text);
        expect(decoded).not.toBe('rejected');
        expect(Buffer.from(decoded as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
        if (text.length === 0) return;
        const i = at % text.length;
        const changed = text.slice(0, i) + character + text.slice(i + 1);
        expect(decode(changed) === 'rejected').toBe(!isCanonical(changed));
      }),
      { numRuns: 5_000 },
    );
  });

  it('gives a plain Uint8Array, not a Buffer', () => {
    const bytes = decode('QUJD');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(bytes)).toBe(false);
  });
});
