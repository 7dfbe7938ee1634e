import { failureRecord, parseFailureRecord, sequenceAfter } from './failureRecord';

describe('router-failures records', () => {
  it("reads AWS's on-failure record for a Kinesis batch, and the local poller writes the same shape", () => {
    const aws = {
      requestContext: {
        requestId: 'r',
        functionArn: 'arn:aws:lambda:eu-west-1:1:function:f',
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-01-01T00:00:00.000Z',
      KinesisBatchInfo: {
        shardId: 'shardId-000000000001',
        startSequenceNumber: '49545115243490985018280067714973144582180062593244200961',
        endSequenceNumber: '49545115243490985018280067714973144582180062593244200970',
        approximateArrivalOfFirstRecord: '2026-01-01T00:00:00.000Z',
        approximateArrivalOfLastRecord: '2026-01-01T00:00:01.000Z',
        batchSize: 10,
        streamArn: 'arn:aws:kinesis:eu-west-1:1:stream/s',
      },
    };
    expect(parseFailureRecord(JSON.stringify(aws))).toEqual({
      shardId: 'shardId-000000000001',
      startSequenceNumber: '49545115243490985018280067714973144582180062593244200961',
      endSequenceNumber: '49545115243490985018280067714973144582180062593244200970',
      batchSize: 10,
      condition: 'RecordAgeExceeded',
      timestamp: '2026-01-01T00:00:00.000Z',
    });
    const local = failureRecord({
      shardId: 's1',
      startSequenceNumber: '1',
      endSequenceNumber: '5',
      batchSize: 5,
      streamArn: 'a',
      functionArn: 'f',
    });
    expect(parseFailureRecord(JSON.stringify(local))).toMatchObject({
      shardId: 's1',
      startSequenceNumber: '1',
      endSequenceNumber: '5',
      batchSize: 5,
    });
    expect(parseFailureRecord('{"function":"x"}')).toBeUndefined();
    expect(parseFailureRecord('not json')).toBeUndefined();
  });

  it('compares sequence numbers beyond 2^53', () => {
    expect(
      sequenceAfter('49545115243490985018280067714973144582180062593244200970', '49545115243490985018280067714973144582180062593244200961'),
    ).toBe(true);
    expect(sequenceAfter('9', '10')).toBe(false);
  });
});
