import type { LambdaKinesisEvent } from '@streamshare/core/internal';

/** The reference scenario's event of DESIGN.md, verbatim: `kds-reader1` reading `kds-sharing-example1`. */
const REFERENCE_EVENT_JSON = `{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"DUMMY1",
 "sequenceNumber":"49649683864473953433843496278632352517587667908684677122",
 "data":"eyJ0aGlzX2lzIjogInRlc3QgcmVjb3JkIn0=","approximateArrivalTimestamp":1709100911.667},
 "eventSource":"aws:kinesis","eventVersion":"1.0",
 "eventID":"shardId-000000000000:49649683864473953433843496278632352517587667908684677122",
 "eventName":"aws:kinesis:record",
 "invokeIdentityArn":"arn:aws:iam::888800008888:role/service-role/kds-reader1-role-q6zcv9kq",
 "awsRegion":"us-east-1","eventSourceARN":"arn:aws:kinesis:us-east-1:999900009999:stream/kds-sharing-example1"}]}`;

/** The reference event of DESIGN.md (one record, data `{"this_is": "test record"}`), a fresh copy each call. */
export function referenceKinesisEvent(): LambdaKinesisEvent {
  return JSON.parse(REFERENCE_EVENT_JSON) as LambdaKinesisEvent;
}

function consoleRecord(sequenceNumber: string, data: string, approximateArrivalTimestamp: number) {
  return {
    kinesis: { kinesisSchemaVersion: '1.0', partitionKey: '1', sequenceNumber, data, approximateArrivalTimestamp },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000006:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
    awsRegion: 'us-east-2',
    eventSourceARN: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
  };
}

/**
 * The Lambda console's Kinesis test event (template "kinesis-get-records"): two records whose data
 * is plain text, "Hello, this is a test." and "This is only a test.". A fresh copy each call.
 */
export function consoleTestKinesisEvent(): LambdaKinesisEvent {
  return {
    Records: [
      consoleRecord(
        '49590338271490256608559692538361571095921575989136588898',
        'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
        1545084650.987,
      ),
      consoleRecord(
        '49590338271490256608559692540925702759324208523137515618',
        'VGhpcyBpcyBvbmx5IGEgdGVzdC4=',
        1545084711.166,
      ),
    ],
  };
}
