import { ForwarderOptionError } from '../errors.js';

/** An event bus named by ARN, with the parts taken from it. */
export interface EventBusArn {
  readonly arn: string;
  /** `aws`, `aws-cn`, `aws-us-gov`, ... */
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

/** Where the forwarder sends: the `EventBusName` value of each entry and the client's region. */
export interface EventBusTarget {
  /** What goes in `EventBusName`: the ARN when known (required across accounts and regions), else the name. */
  readonly eventBusName: string;
  readonly region: string;
  /** The bus's account, when named by ARN. */
  readonly account?: string;
  /** The bus's ARN, when named by ARN. */
  readonly arn?: string;
}

const EXPECTED = 'arn:aws:events:<region>:<account>:event-bus/<name>';
const ARN = /^arn:(aws[a-z-]*):events:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):event-bus\/([A-Za-z0-9._\-/]{1,256})$/;
const NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/**
 * Parses an event bus ARN, e.g. `arn:aws:events:ap-northeast-1:777700007777:event-bus/shared`.
 * @throws ForwarderOptionError (code `INVALID_EVENT_BUS_ARN`) naming the expected form.
 */
export function parseEventBusArn(arn: string, option = 'eventBusArn'): EventBusArn {
  const match = typeof arn === 'string' ? ARN.exec(arn) : null;
  if (!match) {
    throw new ForwarderOptionError(
      'INVALID_EVENT_BUS_ARN',
      option,
      `${JSON.stringify(arn)} is not an event bus ARN; expected ${EXPECTED}`,
    );
  }
  return { arn, partition: match[1]!, region: match[2]!, account: match[3]!, name: match[4]! };
}

/** The bus options of the forwarder. */
export interface EventBusOptions {
  readonly eventBusArn?: string;
  readonly eventBusName?: string;
  readonly region?: string;
}

/**
 * Resolves the target bus: `eventBusArn` (region and account from it), or `eventBusName` (a name
 * or an ARN) with `region`.
 */
export function resolveEventBus(options: EventBusOptions): EventBusTarget {
  if (options.eventBusArn !== undefined) {
    if (options.eventBusName !== undefined) {
      throw new ForwarderOptionError(
        'INVALID_FORWARDER_OPTION',
        'eventBusName',
        'give eventBusArn or eventBusName, not both',
      );
    }
    const bus = parseEventBusArn(options.eventBusArn);
    if (options.region !== undefined && options.region !== bus.region) {
      throw new ForwarderOptionError(
        'INVALID_FORWARDER_OPTION',
        'region',
        `${JSON.stringify(options.region)} differs from the region ${bus.region} of eventBusArn; leave region out`,
      );
    }
    return { eventBusName: bus.arn, region: bus.region, account: bus.account, arn: bus.arn };
  }
  const name = options.eventBusName;
  if (name === undefined) {
    throw new ForwarderOptionError(
      'INVALID_FORWARDER_OPTION',
      'eventBusArn',
      `the target bus is missing: give eventBusArn (${EXPECTED}) or eventBusName with region`,
    );
  }
  if (name.startsWith('arn:')) {
    const bus = parseEventBusArn(name, 'eventBusName');
    return { eventBusName: bus.arn, region: bus.region, account: bus.account, arn: bus.arn };
  }
  if (!NAME.test(name)) {
    throw new ForwarderOptionError(
      'INVALID_FORWARDER_OPTION',
      'eventBusName',
      `${JSON.stringify(name)} is not an event bus name`,
    );
  }
  if (options.region === undefined || !REGION.test(options.region)) {
    throw new ForwarderOptionError(
      'INVALID_FORWARDER_OPTION',
      'region',
      `${options.region === undefined ? 'missing' : JSON.stringify(options.region)}: a bus given by name needs its region (e.g. "ap-northeast-1")`,
    );
  }
  return { eventBusName: name, region: options.region };
}
