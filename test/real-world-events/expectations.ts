import { it } from 'vitest';

/**
 * Every payload of the real-world folder and what the suite asserts for it (from SOURCES.md, the
 * "expected consumer behaviour" column). coverage.test.ts fails when a file of the folder is not
 * listed here, when a listed file is gone, or when no test file names it: a new payload cannot be
 * skipped silently.
 */
export const EXPECTATIONS: Readonly<Record<string, string>> = {
  // kinesis/: Lambda events from Kinesis Data Streams
  'kinesis/sam-Kinesis.template.json':
    'placeholders still in: kinesisHandler refuses it (INVALID_EVENT naming a {{{…}}} field)',
  'kinesis/sam-event-mapping.json':
    'reference: filling the template with its defaults gives the rendered event exactly',
  'kinesis/sam-Kinesis.rendered-defaults.json':
    'accept 1 record "Hello, this is a test 123.", pk partitionKey-03 (placeholder ARNs); never a crash',
  'kinesis/lambda-console-kinesis-get-records.json': 'same JSON value as the SAM render; accept 1 record',
  'kinesis/powertools-ts-commons-kinesis-get-records.json': 'accept 1 record "Hello, this is a test 123."',
  'kinesis/powertools-ts-stream.json': 'accept 2 records "Hello, this is a test." / "This is only a test."',
  'kinesis/powertools-py-kinesisStreamEvent.json': 'same JSON value as powertools-ts-stream.json; same records',
  'kinesis/powertools-py-kinesisStreamEventOneRecord.json':
    'json, auto and schema(zod) codecs decode {"message":"test message","username":"test"}',
  'kinesis/powertools-ts-stream-cloudwatch-logs.json':
    'cloudwatch-logs codec: 2 DATA_MESSAGEs, 6 log events; bytes codec: the gzip bytes; descending order kept, failures named by their own sequence number',
  'kinesis/powertools-py-kinesisStreamCloudWatchLogsEvent.json': 'same JSON value as the TS capture; same results',
  'kinesis/powertools-ts-dynamodb-stream-via-kinesis.json':
    'accept as Kinesis (13-digit account in the ARN); data decodes to DynamoDB INSERT records (json, schema)',
  'kinesis/powertools-ts-batch-sampleKinesisEvent.json':
    'auto: {"Message":"success"} and "success"; json: only record 2 fails (DecodeError), reported by its sequence number',
  'kinesis/powertools-ts-stream-tumbling-window.json':
    'kinesisWindowHandler: 1 record, window/state exposed, response carries state and batchItemFailures',
  'kinesis/aws-lambda-go-kinesis-time-window-event.json': 'as the tumbling-window event, with string state values',
  'kinesis/aws-lambda-go-kinesis-event.json': 'accept 2 × "Hello World"',
  'kinesis/byron-dupreez-nonAggregatedKinesisEvent.json': 'accept {"a":"ABC"} and {"b":"DEF"} (account ZZZZZZZZZZZZ)',
  'kinesis/sumologic-readme-kinesis-cwl-gzip-fname.json':
    'accept; gzip with FNAME; 3 log events whose messages stay (truncated JSON) strings',

  // cwl/: CloudWatch Logs subscription payloads
  'cwl/sam-firehose-cwl-record0-CONTROL_MESSAGE.json.gz': 'CONTROL_MESSAGE: decodes, 0 user log events',
  'cwl/sam-firehose-cwl-record0-CONTROL_MESSAGE.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/sam-firehose-cwl-record1-DATA_MESSAGE.json.gz': 'DATA_MESSAGE, 3 log events',
  'cwl/sam-firehose-cwl-record1-DATA_MESSAGE.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/sam-firehose-cwl-record2-DATA_MESSAGE.json.gz': 'DATA_MESSAGE, 3 log events',
  'cwl/sam-firehose-cwl-record2-DATA_MESSAGE.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/sam-firehose-cwl-record3-DATA_MESSAGE.json.gz': 'DATA_MESSAGE, 3 log events',
  'cwl/sam-firehose-cwl-record3-DATA_MESSAGE.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/powertools-ts-stream-cloudwatch-logs.record0.json.gz': '3 log events; = Records[0] data of the capture',
  'cwl/powertools-ts-stream-cloudwatch-logs.record0.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/powertools-ts-stream-cloudwatch-logs.record1.json.gz': '3 log events; = Records[1] data of the capture',
  'cwl/powertools-ts-stream-cloudwatch-logs.record1.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/powertools-ts-cloudwatch-base.data.json.gz': '3 log events; the Powertools JSON log line stays a string',
  'cwl/powertools-ts-cloudwatch-base.data.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/lambda-console-cloudwatch-logs.data.json.gz': '2 log events "[ERROR] First/Second test message"',
  'cwl/lambda-console-cloudwatch-logs.data.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/sumologic-readme.record0.gzip-fname.json.gz': 'gzip with an FNAME header: 3 log events',
  'cwl/sumologic-readme.record0.decoded.json': 'the gunzipped text of the .json.gz',
  'cwl/powertools-py-cloudWatchLogEventWithPolicyLevel.json': 'as an event: refused (awslogs, not Kinesis)',
  'cwl/powertools-py-cloudWatchLogEventWithPolicyLevel.data.zlib':
    'zlib (not gzip): cloudwatch-logs codec gives 2 events + policyLevel ACCOUNT_LEVEL_POLICY',
  'cwl/powertools-py-cloudWatchLogEventWithPolicyLevel.data.decoded.json': 'the inflated text of the .data.zlib',

  // kpl/: KPL-aggregated records
  'kpl/kinesis-aggregation-SampleLambdaEvent.json':
    'kinesisHandler (placeholder ARN): 100 user records; the outer pk is not the user pk',
  'kpl/kinesis-aggregation-SampleLambdaEvent.rec0.agg.bin':
    '100 user records, pk abc, one EHK, alternating data, subsequence 0..99, one sequence number',
  'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_with_ehks.json':
    'bare record refused; wrapped in Records: accepted, 4 user records with their EHKs',
  'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_with_ehks.rec0.agg.bin':
    '4 user records: pks, EHKs, data RECORD 22…25',
  'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_no_ehks.json':
    'bare refused; wrapped: a clear schema error (eventID inside kinesis), not a crash',
  'kpl/kinesis-aggregation-test_deagg.kpl_generated_rec_no_ehks.rec0.agg.bin': '8 user records RECORD 18…25, no EHK',
  'kpl/kinesis-aggregation-test_deagg.kpl_generated_ka_rec.json': 'KA envelope refused; its data: 4 user records',
  'kpl/kinesis-aggregation-test_deagg.kpl_generated_ka_rec.rec0.agg.bin':
    '4 user records RECORD 2005…2008, pk 1562602074896, one EHK',
  'kpl/kinesis-aggregation-test_deagg.kpl_generated_ka_non_agg_rec.json':
    'KA envelope refused; its data: 1 plain record RECORD 749 …',
  'kpl/sam-KinesisAnalyticsKpl.template.rec0.agg.bin': '2 user records, pk 1505169645250, 2 different EHKs',
  'kpl/byron-dupreez-aggregatedKinesisEvent.json': 'kinesisHandler: 2 user records (account ZZZZZZZZZZZZ)',
  'kpl/byron-dupreez-aggregatedKinesisEvent.rec0.agg.bin':
    '2 user records {"a":"ABC"}/{"b":"DEF"}, subsequence 0/1; EHK "undefined" treated as absent or a typed error',
  'kpl/aws-lambda-fanout-0-kpl-records.records.json':
    'envelope refused (eventID "1", no arrival time); 0 user records; the checkpoint moves past it',
  'kpl/aws-lambda-fanout-0-kpl-records.records.rec0.agg.bin': 'magic + MD5 of nothing: 0 user records',
  'kpl/aws-lambda-fanout-1-kpl-records.records.json': 'envelope refused clearly; data: 1 record key-0',
  'kpl/aws-lambda-fanout-1-kpl-records.records.rec0.agg.bin': '1 user record key-0 "Testing KPL Aggregated Record 1-0"',
  'kpl/aws-lambda-fanout-2-kpl-records.records.json': 'envelope refused; data: 2 records key-0/key-1',
  'kpl/aws-lambda-fanout-2-kpl-records.records.rec0.agg.bin': '2 user records key-0/"…2-0", key-1/"…2-1"',
  'kpl/aws-lambda-fanout-multiple-kpl-objects.records.json': 'two aggregates: 3 user records in order',
  'kpl/aws-lambda-fanout-mixed-kinesis-and-kpl-objects.records.json': 'aggregate + plain record: 2 records in order',
  'kpl/hyperbolist-aws-lambda-fanout-invalid-kpl-objects.records.json':
    'data is not strict base64 (94 characters); envelope refused',
  'kpl/hyperbolist-aws-lambda-fanout-invalid-kpl-objects.records.rec0.agg.bin':
    'MD5 mismatch: a typed AggregateError failing that record, dead-lettered with its raw 70 bytes; no crash, no drop',

  // eventbridge/
  'eventbridge/eb-pipes-kinesis-docs-example.verbatim.txt':
    'invalid JSON: the parse error names the position (JSON.parse, and core json codec as record data)',
  'eventbridge/eb-pipes-kinesis-docs-example.commas-fixed.json':
    'bare Pipes array refused by both handlers; each record as a Pipes detail: eventBridgeHandler accepts it',
  'eventbridge/powertools-py-eventBridgeEvent.json':
    'kinesisHandler refuses ("EventBridge event", aws.ec2); eventBridgeHandler refuses (detail not a record)',
  'eventbridge/aws-lambda-go-cloudwatch-scheduled-event.json': 'both handlers refuse (Scheduled Event, detail {})',

  // refuse/: not Kinesis Data Streams events
  'refuse/powertools-ts-dynamodb-base.json': 'refused: DynamoDB Streams event',
  'refuse/aws-lambda-go-dynamodb-event.json': 'refused: DynamoDB Streams event',
  'refuse/lambda-console-dynamodb-update.json': 'refused: DynamoDB Streams event',
  'refuse/powertools-ts-sqs-base.json': 'refused: SQS event',
  'refuse/aws-lambda-go-sqs-event.json': 'refused: SQS event',
  'refuse/lambda-console-sqs-receive-message.json': 'refused: SQS event',
  'refuse/powertools-ts-apigw-rest-no-auth.json': 'refused: API Gateway event (no Records)',
  'refuse/lambda-console-apigateway-aws-proxy.json': 'refused: API Gateway event (no Records)',
  'refuse/powertools-ts-kinesis-firehose-from-stream.json': 'refused: Firehose event (records is not Records)',
  'refuse/lambda-console-kinesis-kinesis-firehose.json': 'refused: Firehose event',
  'refuse/sam-KinesisFirehoseCloudwatchLogsProcessor.template.json':
    'refused; its records hold the cwl/sam-firehose-* gzip bytes',
  'refuse/sam-KinesisAnalyticsKpl.template.json':
    'refused; records[0] is the kpl/ aggregate, records[1] a plain record "4,aaa…"',
  'refuse/powertools-py-cloudWatchLogEvent.json': 'refused: CloudWatch Logs event delivered directly',
  'refuse/powertools-ts-cloudwatch-base.json': 'refused: CloudWatch Logs event delivered directly',
  'refuse/lambda-console-cloudwatch-logs.json': 'refused: CloudWatch Logs event delivered directly',
};

/**
 * Checks where the code of today does not do what SOURCES.md says (found by this suite, reported
 * to the lead). Each is an `it.fails` (see {@link sourcesSays}): it passes while the deviation is
 * there and fails, loudly, once the code does what SOURCES.md says; then delete its entry here and
 * its name from the test.
 */
export const DEVIATIONS = {} as const;

/** The name of a known deviation. */
export type DeviationId = keyof typeof DEVIATIONS;

/**
 * `it(title, body)` for what SOURCES.md says a consumer should do; `it.fails` while that check is
 * a known deviation (listed in {@link DEVIATIONS} under `deviation`), its title saying so.
 */
export function sourcesSays(title: string, body: () => Promise<void> | void, deviation?: DeviationId): void {
  if (deviation === undefined) {
    it(title, body);
    return;
  }
  it.fails(`${title} [KNOWN DEVIATION "${deviation}": fails today, see DEVIATIONS in expectations.ts]`, body);
}
