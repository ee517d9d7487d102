/**
 * The CloudFormation / SAM templates of the example: the polling trigger (template.yaml,
 * producer.yaml) and its enhanced fan-out variant (template-efo.yaml, producer-efo.yaml). The
 * property names allowed per resource type are those of the CloudFormation reference
 * (AWS::Lambda::EventSourceMapping, AWS::Kinesis::StreamConsumer, AWS::Kinesis::ResourcePolicy), so
 * a misspelt or invented property fails here rather than at deploy time.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  allowedPattern,
  listItems,
  onlyResource,
  type TemplateResource,
  templateResources,
} from './template-blocks.js';

const read = (name: string) => readFile(new URL(`../${name}`, import.meta.url), 'utf8');

const STREAM_READ_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
];
const CONSUMER_ACTIONS = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'];
/** CloudFormation's `${Name}` substitution, written as it appears in a template. */
const sub = (name: string) => `\${${name}}`;
const LAMBDA_MANAGED_POLICY = `!Sub arn:${sub('AWS::Partition')}:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole`;

/** The properties each resource type has in the CloudFormation reference (the ones these templates may use). */
const DOCUMENTED_PROPERTIES: Record<string, readonly string[]> = {
  'AWS::Lambda::EventSourceMapping': [
    'BatchSize',
    'BisectBatchOnFunctionError',
    'DestinationConfig',
    'Enabled',
    'EventSourceArn',
    'FilterCriteria',
    'FunctionName',
    'FunctionResponseTypes',
    'KmsKeyArn',
    'MaximumBatchingWindowInSeconds',
    'MaximumRecordAgeInSeconds',
    'MaximumRetryAttempts',
    'MetricsConfig',
    'ParallelizationFactor',
    'StartingPosition',
    'StartingPositionTimestamp',
    'Tags',
    'TumblingWindowInSeconds',
  ],
  'AWS::Kinesis::StreamConsumer': ['ConsumerName', 'StreamARN', 'Tags'],
  'AWS::Kinesis::ResourcePolicy': ['ResourceArn', 'ResourcePolicy'],
};

function expectDocumentedProperties(resource: TemplateResource): void {
  const allowed = DOCUMENTED_PROPERTIES[resource.type];
  if (allowed === undefined) return;
  expect([...resource.properties.keys()].filter((name) => !allowed.includes(name))).toEqual([]);
}

describe('template.yaml and producer.yaml (the trigger on the stream)', () => {
  it('the producer stream policy grants the consumer role the five read actions on the stream', async () => {
    const policy = onlyResource(templateResources(await read('producer.yaml')), 'AWS::Kinesis::ResourcePolicy');
    expect(policy.properties.get('ResourceArn')).toBe('!GetAtt Stream.Arn');
    expect(listItems(policy.text, 'Action').sort()).toEqual(STREAM_READ_ACTIONS);
    expect(policy.text).toMatch(/AWS: !Ref ConsumerRoleArn/);
  });

  it('the trigger is on the stream ARN, with ReportBatchItemFailures and documented properties only', async () => {
    const resources = templateResources(await read('template.yaml'));
    const mapping = onlyResource(resources, 'AWS::Lambda::EventSourceMapping');
    expect(mapping.properties.get('EventSourceArn')).toMatch(/:stream\/\$\{StreamName\}$/);
    expect(listItems(mapping.text, 'FunctionResponseTypes')).toEqual(['ReportBatchItemFailures']);
    expectDocumentedProperties(mapping);
  });
});

describe('template-efo.yaml and producer-efo.yaml (the trigger on an enhanced fan-out consumer)', () => {
  it('the producer registers the consumer on the stream and attaches the consumer policy to the consumer ARN', async () => {
    const resources = templateResources(await read('producer-efo.yaml'));
    const consumer = onlyResource(resources, 'AWS::Kinesis::StreamConsumer');
    expect(consumer.properties.get('StreamARN')).toBe(
      `!Sub arn:${sub('AWS::Partition')}:kinesis:${sub('AWS::Region')}:${sub('AWS::AccountId')}:stream/${sub('StreamName')}`,
    );
    const policy = onlyResource(resources, 'AWS::Kinesis::ResourcePolicy');
    const consumerId = [...resources].find(([, r]) => r === consumer)?.[0];
    // The consumer's ARN, not the stream's: each has its own resource-based policy.
    expect(policy.properties.get('ResourceArn')).toBe(`!GetAtt ${consumerId}.ConsumerARN`);
    expect(policy.text).toContain(`Resource: !GetAtt ${consumerId}.ConsumerARN`);
    expect(listItems(policy.text, 'Action').sort()).toEqual(CONSUMER_ACTIONS);
    expect(policy.text).toMatch(/AWS: !Ref ConsumerRoleArn/);
    expect(await read('producer-efo.yaml')).toMatch(
      /Outputs:\n {2}ConsumerArn:[\s\S]*Value: !GetAtt Consumer\.ConsumerARN/,
    );
    for (const resource of resources.values()) expectDocumentedProperties(resource);
  });

  it('the trigger is on the consumer ARN given by the producer, only once it is given, with ReportBatchItemFailures', async () => {
    const template = await read('template-efo.yaml');
    const mapping = onlyResource(templateResources(template), 'AWS::Lambda::EventSourceMapping');
    expect(mapping.properties.get('EventSourceArn')).toBe('!Ref ConsumerArn');
    expect(mapping.text).toMatch(/^ {4}Condition: WithTrigger$/m);
    expect(template).toMatch(/^ {2}WithTrigger: !Not \[!Equals \[!Ref ConsumerArn, ""\]\]$/m);
    expect(listItems(mapping.text, 'FunctionResponseTypes')).toEqual(['ReportBatchItemFailures']);
    expect(mapping.properties.get('FunctionName')).toBe('!Ref KdsReader1');
    expectDocumentedProperties(mapping);
  });

  it('the ConsumerArn parameter takes a consumer ARN (or nothing yet) and refuses a stream ARN or a consumer name', async () => {
    const pattern = new RegExp(allowedPattern(await read('template-efo.yaml'), 'ConsumerArn') ?? '(?!)');
    const stream = 'arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1';
    expect(pattern.test(`${stream}/consumer/kds-reader1-efo:1796576266`)).toBe(true);
    expect(pattern.test('')).toBe(true);
    expect(pattern.test(stream)).toBe(false);
    expect(pattern.test('kds-reader1-efo')).toBe(false);
    expect(pattern.test(`${stream}/consumer/kds-reader1-efo`)).toBe(false);
  });

  it('the execution role keeps AWSLambdaKinesisExecutionRole and adds DescribeStreamConsumer and SubscribeToShard on the consumer', async () => {
    const role = onlyResource(templateResources(await read('template-efo.yaml')), 'AWS::IAM::Role');
    expect(listItems(role.text, 'ManagedPolicyArns')).toEqual([LAMBDA_MANAGED_POLICY]);
    const inline = role.properties.get('Policies') ?? '';
    expect(listItems(inline, 'Action').sort()).toEqual(CONSUMER_ACTIONS);
    expect(inline).toMatch(/Effect: Allow/);
    // Any creation time of the producer's consumer: the ARN ends with it.
    expect(inline).toMatch(
      /Resource: !Sub arn:\$\{AWS::Partition\}:kinesis:\$\{AWS::Region\}:\$\{ProducerAccountId\}:stream\/\$\{StreamName\}\/consumer\/\$\{ConsumerName\}:\*$/m,
    );
    // The same role as template.yaml: the producer's two policies name it.
    expect(role.properties.get('RoleName')).toBe('kds-reader1-role-q6zcv9kq');
    expect(role.properties.get('Path')).toBe('/service-role/');
  });

  it('both stacks default to the same consumer name and stream', async () => {
    const producer = await read('producer-efo.yaml');
    const consumer = await read('template-efo.yaml');
    const defaultOf = (template: string, name: string) =>
      new RegExp(`^ {2}${name}:\\n(?: {4}.*\\n)*? {4}Default: (\\S+)$`, 'm').exec(template)?.[1];
    expect(defaultOf(consumer, 'ConsumerName')).toBe('kds-reader1-efo');
    expect(defaultOf(producer, 'ConsumerName')).toBe(defaultOf(consumer, 'ConsumerName'));
    expect(defaultOf(producer, 'StreamName')).toBe(defaultOf(consumer, 'StreamName'));
    expect(defaultOf(producer, 'ConsumerRoleArn')).toBe(
      'arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq',
    );
  });
});
