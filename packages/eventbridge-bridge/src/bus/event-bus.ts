import { isAccountId, isRegion, splitArn } from '@streamshare/core/internal';
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
/** Any partition of AWS (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ...): EventBridge is in each. */
const PARTITION = /^aws[a-z-]*$/;
const NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const BUS_RESOURCE = 'event-bus/';

/**
 * Parses an event bus ARN, e.g. `arn:aws:events:ap-northeast-1:777700007777:event-bus/shared`, with
 * core's ARN parser: an AWS partition, `events`, a region, a 12-digit account, `event-bus/<name>`.
 * @throws ForwarderOptionError (code `INVALID_EVENT_BUS_ARN`) naming the expected form.
 */
export function parseEventBusArn(arn: string, option = 'eventBusArn'): EventBusArn {
  const fields = splitArn(arn);
  const name = fields?.resource.startsWith(BUS_RESOURCE) ? fields.resource.slice(BUS_RESOURCE.length) : undefined;
  if (
    fields === undefined ||
    name === undefined ||
    !PARTITION.test(fields.partition) ||
    fields.service !== 'events' ||
    !isRegion(fields.region) ||
    !isAccountId(fields.account) ||
    !NAME.test(name)
  ) {
    throw new ForwarderOptionError(
      'INVALID_EVENT_BUS_ARN',
      option,
      `${JSON.stringify(arn)} is not an event bus ARN; expected ${EXPECTED}`,
    );
  }
  return { arn, partition: fields.partition, region: fields.region, account: fields.account, name };
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
  if (!isRegion(options.region)) {
    throw new ForwarderOptionError(
      'INVALID_FORWARDER_OPTION',
      'region',
      `${options.region === undefined ? 'missing' : JSON.stringify(options.region)}: a bus given by name needs its region (e.g. "ap-northeast-1")`,
    );
  }
  return { eventBusName: name, region: options.region };
}
