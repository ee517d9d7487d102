import { type AwsErrorKind, classifyAwsError, describeAwsError } from '@streamshare/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileThrownValues } from './fixtures/hostile-thrown.js';

/** An error shaped as the AWS SDK v3 throws it. */
function sdk(name: string, status?: number, fields: Record<string, unknown> = {}): Error {
  const fault = status === undefined ? undefined : status >= 500 ? 'server' : 'client';
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $fault: fault, $metadata: { httpStatusCode: status } }),
    ...fields,
  });
}

const network = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:4567`), { code });

describe('classifyAwsError', () => {
  it.each<[string, unknown, AwsErrorKind]>([
    ['Kinesis throttling', sdk('ProvisionedThroughputExceededException', 400), 'throttled'],
    ['Kinesis control-plane throttling', sdk('LimitExceededException', 400), 'throttled'],
    ['DynamoDB throttling', sdk('ThrottlingException', 400), 'throttled'],
    ['EventBridge throttling', sdk('ThrottledException', 400), 'throttled'],
    ['STS throttling', sdk('Throttling', 400), 'throttled'],
    ['HTTP 429 under any name', sdk('SlowDown', 429), 'throttled'],
    ['SDK mark of throttling', sdk('Whatever', 400, { $retryable: { throttling: true } }), 'throttled'],
    ['expired iterator', sdk('ExpiredIteratorException', 400), 'expired-iterator'],
    ['access denied', sdk('AccessDeniedException', 400), 'access-denied'],
    ['access denied (query protocol)', sdk('AccessDenied', 403), 'access-denied'],
    ['unknown credentials', sdk('UnrecognizedClientException', 400), 'invalid-credentials'],
    ['not found', sdk('ResourceNotFoundException', 400), 'not-found'],
    ['KMS key refused', sdk('KMSAccessDeniedException', 400), 'kms'],
    ['KMS throttled', sdk('KMSThrottlingException', 400), 'kms'],
    ['conditional write lost', sdk('ConditionalCheckFailedException', 400), 'condition-failed'],
    ['table being created', sdk('ResourceInUseException', 400), 'resource-in-use'],
    ['InternalFailure', sdk('InternalFailure', 500), 'service'],
    ['EventBridge InternalException', sdk('InternalException', 500), 'service'],
    ['any 5xx', sdk('Whatever', 503), 'service'],
    ['HTTP 500 without a fault mark', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 500 } }), 'service'],
    ['HTTP 499 without a fault mark', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 499 } }), 'client'],
    ['server fault without status', Object.assign(new Error('x'), { name: 'X', $fault: 'server' }), 'service'],
    ['SDK timeout', sdk('TimeoutError'), 'service'],
    ['DynamoDB transaction in progress', sdk('TransactionInProgressException', 400), 'service'],
    ['STS: the identity provider could not be reached', sdk('IDPCommunicationError', 400), 'service'],
    ['SDK mark of retryable', sdk('Whatever', 400, { $retryable: {} }), 'service'],
    ['connection refused', network('ECONNREFUSED'), 'network'],
    ['connection reset with a status', Object.assign(sdk('Whatever', 400), { code: 'ECONNRESET' }), 'network'],
    ['socket hang up', new Error('socket hang up'), 'network'],
    ['no answer at all', new Error('boom'), 'no-response'],
    ['credentials not loaded', sdk('CredentialsProviderError'), 'no-response'],
    ['a bug', new TypeError('x is not a function'), 'programming'],
    ['a bad value', new RangeError('Invalid time value'), 'programming'],
    ['a TypeError the service answered', sdk('TypeError', 500), 'service'],
    ['an abort', sdk('AbortError'), 'aborted'],
    ['validation', sdk('ValidationException', 400), 'client'],
    ['client fault without status', Object.assign(new Error('x'), { name: 'X', $fault: 'client' }), 'client'],
    ['a thrown string', 'ECONNRESET', 'not-an-error'],
    ['undefined', undefined, 'not-an-error'],
  ])('%s', (_label, error, kind) => {
    const classified = classifyAwsError(error);
    expect(classified.kind).toBe(kind);
    expect(classified.retryable).toBe(kind === 'throttled' || kind === 'service' || kind === 'network');
  });

  it('keeps the name, code, status and message it read', () => {
    expect(classifyAwsError(sdk('ThrottlingException', 400))).toEqual({
      kind: 'throttled',
      retryable: true,
      name: 'ThrottlingException',
      code: undefined,
      status: 400,
      message: 'ThrottlingException happened',
    });
    expect(classifyAwsError(network('EPIPE'))).toMatchObject({ code: 'EPIPE', status: undefined });
    expect(classifyAwsError(42)).toMatchObject({ name: undefined, message: '42' });
  });

  it('never throws and always gives one of its kinds, whatever was thrown', () => {
    for (const [label, make] of Object.entries(hostileThrownValues)) {
      const classified = classifyAwsError(make());
      expect(typeof classified.kind, label).toBe('string');
      expect(typeof classified.message, label).toBe('string');
      expect(() => describeAwsError(make()), label).not.toThrow();
    }
    const shaped = fc.record(
      {
        name: fc.oneof(fc.string(), fc.constantFrom('ThrottlingException', 'KMSDisabledException', 'AbortError')),
        code: fc.oneof(fc.string(), fc.constantFrom('ECONNRESET', 'EPIPE')),
        message: fc.oneof(fc.string(), fc.anything()),
        $fault: fc.oneof(fc.constantFrom('client', 'server'), fc.anything()),
        $metadata: fc.oneof(fc.record({ httpStatusCode: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.anything()) })),
        $retryable: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(shaped, fc.anything()), (error) => {
        const classified = classifyAwsError(error);
        expect(classified.retryable).toBe(['throttled', 'service', 'network'].includes(classified.kind));
        if (typeof error !== 'object' || error === null) expect(classified.kind).toBe('not-an-error');
      }),
    );
  });

  it('reads the name before the status: an access denial with a 5xx is still an access denial', () => {
    expect(classifyAwsError(sdk('AccessDeniedException', 500)).kind).toBe('access-denied');
    expect(classifyAwsError(sdk('ProvisionedThroughputExceededException', 503)).kind).toBe('throttled');
  });
});

describe('describeAwsError', () => {
  it('gives name and message, or a description of the value', () => {
    expect(describeAwsError(sdk('ThrottlingException', 400))).toBe('ThrottlingException: ThrottlingException happened');
    expect(describeAwsError('plain')).toBe('plain');
  });
});
