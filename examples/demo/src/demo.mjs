// The demo's story, section by section: local servers, the producer's stream and policy, the test
// enhanced fan-out consumer and its policy, the test record, the consumer's four ways to read it, and
// the clean stop.
import { kinesisClient } from '@streamshare/testkit';
import { consumerIdentity } from './consumer.mjs';
import { startLocalServers } from './local-servers.mjs';
import { field, json, say, section, show } from './output.mjs';
import { createSharedStream, putTestRecord, registerSharedConsumer } from './producer.mjs';
import { readThroughEventBridge } from './readers/eventbridge-reader.mjs';
import { readThroughFanOut } from './readers/fan-out-reader.mjs';
import { readWithLambdaHandler } from './readers/lambda-reader.mjs';
import { readWithRecordHandler } from './readers/poller-reader.mjs';
import {
  CONSUMER_ACCOUNT,
  CONSUMER_NAME,
  CONSUMER_ROLE_ARN,
  EVENT_BUS_ARN,
  PRODUCER_ACCOUNT,
  STREAM_NAME,
  TEST_RECORD,
} from './scenario.mjs';

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function printRecord(record) {
  field('shardId', record.shardId, 4);
  field('partitionKey', record.partitionKey, 4);
  field('sequenceNumber', record.sequenceNumber, 4);
  field('approximateArrivalTimestamp', record.approximateArrivalTimestamp.toISOString(), 4);
  field('data', record.data, 4);
}

function printCheckpoints(checkpoints) {
  for (const [shardId, checkpoint] of Object.entries(checkpoints)) {
    say(`checkpoint written: ${shardId} -> ${checkpoint.sequenceNumber}`, 2);
  }
}

/** A handler's log line (pino JSON) as the record it describes. */
function printLogged(line) {
  field('partitionKey', line.partitionKey, 4);
  field('sequenceNumber', line.sequenceNumber, 4);
  field('arrivedAt', line.arrivedAt, 4);
  field('data', line.data, 4);
}

/**
 * Runs the whole scenario and stops everything it started, also on failure.
 * @param {{ onServers?: (servers: object) => void }} [hooks] `onServers` lets run.mjs stop them on a signal
 */
export async function runDemo(hooks = {}) {
  const startedAt = performance.now();
  say('streamshare demo: stream kds-sharing-example1 of account 999900009999, read from account 888800008888');
  say('Everything runs on local servers on 127.0.0.1; no AWS account is used.');

  section('1', 'Start local servers');
  const servers = await startLocalServers();
  hooks.onServers?.(servers);
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_KINESIS;
  const producer = kinesisClient({ endpoint: servers.kinesis.endpoint, account: PRODUCER_ACCOUNT });
  const consumer = consumerIdentity(servers.sts.endpoint);
  try {
    say(`kinesis-mock      ${servers.kinesis.endpoint}  (child process, pid ${servers.kinesis.pid})`, 2);
    say(`STS               ${servers.sts.endpoint}  (AssumeRole)`, 2);
    say(`EventBridge       ${servers.eventBridge.endpoint}  (PutEvents)`, 2);
    say(
      `SubscribeToShard  ${servers.subscribe.endpoint}  (HTTP/2: events from kinesis-mock's records, other calls forwarded to it)`,
      2,
    );
    // The poller builds its Kinesis client as in production (region from the ARN, the assumed
    // role's credentials); the SDK's standard variable points it at kinesis-mock.
    process.env.AWS_ENDPOINT_URL_KINESIS = servers.kinesis.endpoint;
    say(
      "AWS_ENDPOINT_URL_KINESIS points the poller's own Kinesis client at kinesis-mock (4d: at SubscribeToShard).",
      2,
    );

    section('2', `Producer account ${PRODUCER_ACCOUNT}: stream ${STREAM_NAME} and its resource-based policy`);
    const { streamArn, policy } = await createSharedStream(producer);
    say(`$ aws kinesis create-stream --stream-name ${STREAM_NAME} --shard-count 1`, 2);
    field('StreamARN', streamArn);
    say(`$ aws kinesis put-resource-policy --resource-arn ${streamArn} --policy file://policy.json`, 2);
    say('policy.json (streamReadPolicy of @streamshare/poller, as GetResourcePolicy returns it):', 2);
    json(policy, 4);
    say('Enhanced fan-out: the producer registers a consumer for kds-reader1 and shares it (reader 4d):', 2);
    say(`$ aws kinesis register-stream-consumer --stream-arn ${streamArn} --consumer-name ${CONSUMER_NAME}`, 2);
    const fanOut = await registerSharedConsumer(producer, streamArn);
    field('ConsumerARN', fanOut.consumerArn);
    field(
      'ConsumerStatus',
      `${fanOut.registeredStatus}, ACTIVE after ${Math.round(fanOut.activeAfterMs)} ms (DescribeStreamConsumer)`,
    );
    say(
      `$ aws kinesis put-resource-policy --resource-arn ${fanOut.consumerArn} --policy file://consumer-policy.json`,
      2,
    );
    say('consumer-policy.json (on the consumer ARN, as GetResourcePolicy returns it):', 2);
    json(fanOut.policy, 4);

    section('3', 'Producer puts the test record');
    say(
      `$ aws kinesis put-record --stream-name ${STREAM_NAME} --partition-key ${TEST_RECORD.partitionKey} --data '${TEST_RECORD.data}'`,
      2,
    );
    const put = await putTestRecord(producer);
    json(put, 2);

    section('4', `Consumer account ${CONSUMER_ACCOUNT} reads it four ways`);
    say(`Each reader is a poller that assumes ${CONSUMER_ROLE_ARN}`, 2);
    say("(the Principal of the stream's policy) and names the stream by its ARN in every call.", 2);

    section('4a', 'The poller with a record handler');
    say(`createPoller({ streamArn: '${streamArn}',`, 2);
    say("  handler: async (record) => { ... }, assumeRole: { roleArn }, startingPosition: 'TRIM_HORIZON' })", 2);
    const a = await readWithRecordHandler({ streamArn, consumer });
    say(`the handler received ${a.records.length} record(s):`, 2);
    for (const record of a.records) printRecord(record);
    printCheckpoints(a.checkpoints);

    section('4b', "kds-reader1's Lambda handler (examples/cross-account-lambda), run by the poller");
    say('createPoller({ streamArn, handler: kds-reader1 handler (kinesisHandler of @streamshare/lambda-adapter) })', 2);
    const b = await readWithLambdaHandler({ streamArn, consumer });
    for (const { event, response } of b.invocations) {
      say('event (as kds-reader1 receives it, and as the function would log it in CloudWatch Logs):', 2);
      json(event, 4);
      say('kds-reader1 logged "kds-reader1 got a record":', 2);
      for (const line of b.logged) printLogged(line);
      field('response', response);
    }
    printCheckpoints(b.checkpoints);

    section('4c', 'The EventBridge forwarder to a bus in ap-northeast-1, and the receiving handler');
    say(
      `createPoller({ streamArn, handler: kinesisHandler(eventBridgeForwarder({ eventBusArn: '${EVENT_BUS_ARN}' })) })`,
      2,
    );
    const c = await readThroughEventBridge({ streamArn, consumer, eventBridge: servers.eventBridge });
    for (const batch of c.forwarded)
      field('forwarder', `${batch.records} record(s) -> response ${show(batch.response)}`);
    for (const call of c.calls)
      field('PutEvents', `call ${call.call}: ${call.entryCount} entry(ies), HTTP ${call.status}`);
    say('event as the bus delivers it to the rule target (the receiving Lambda function):', 2);
    for (const event of c.delivered) json(event, 4);
    say(
      'eventBridgeHandler(kds-reader1\'s record handler) unwrapped it; the handler logged "kds-reader1 got a record":',
      2,
    );
    for (const line of c.handled) printLogged(line);
    printCheckpoints(c.checkpoints);

    section('4d', 'Enhanced fan-out: the poller with the consumer ARN (SubscribeToShard over HTTP/2)');
    say(`createPoller({ streamArn, consumerArn: '${fanOut.consumerArn}',`, 2);
    say("  handler: async (record) => { ... }, assumeRole: { roleArn }, startingPosition: 'TRIM_HORIZON' })", 2);
    say(
      'The poller builds its client over HTTP/2; AWS_ENDPOINT_URL_KINESIS points it at the SubscribeToShard server.',
      2,
    );
    const d = await readThroughFanOut({
      streamArn,
      consumerArn: fanOut.consumerArn,
      consumer,
      subscribe: servers.subscribe,
    });
    for (const call of d.subscriptions) {
      field(
        'SubscribeToShard',
        `${call.shardId} from ${call.startingPosition.Type}, signed as account ${call.accessKeyId} (the assumed role)`,
      );
    }
    say(`the handler received ${d.records.length} record(s) through enhanced fan-out:`, 2);
    for (const record of d.records) printRecord(record);
    printCheckpoints(d.checkpoints);

    const sequences = [
      ...a.records.map((r) => r.sequenceNumber),
      ...b.logged.map((l) => l.sequenceNumber),
      ...c.handled.map((l) => l.sequenceNumber),
      ...d.records.map((r) => r.sequenceNumber),
    ];
    if (d.subscriptions.length === 0) throw new Error('reader 4d made no SubscribeToShard call');
    if (sequences.length !== 4 || sequences.some((s) => s !== put.SequenceNumber)) {
      throw new Error(`expected the record ${put.SequenceNumber} once by each reader, got ${show(sequences)}`);
    }
  } finally {
    section('5', 'Stop everything');
    producer.destroy();
    consumer.destroy();
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_KINESIS;
    else process.env.AWS_ENDPOINT_URL_KINESIS = previousEndpoint;
    await servers.stop();
    const pid = servers.kinesis.pid;
    say(
      `pollers stopped; STS, EventBridge and SubscribeToShard servers closed; kinesis-mock (pid ${pid}) ${isAlive(pid) ? 'STILL RUNNING' : 'has exited'}`,
      2,
    );
    say(`total ${((performance.now() - startedAt) / 1000).toFixed(1)} s`, 2);
  }
}
