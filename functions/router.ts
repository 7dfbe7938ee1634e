/**
 * The router: consumes the built-in "events" stream (Kinesis event source mapping with
 * ReportBatchItemFailures) and delivers to custom endpoints. Only records that were neither
 * delivered nor dead-lettered are reported as failures, so one bad endpoint or one poison
 * record never stalls the shard.
 */
import middy from '@middy/core';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { loadConfig } from '../lib/config';
import { observability } from '../lib/http/middleware';
import { log } from '../lib/log';
import { createRouting } from '../lib/routing';

const routing = createRouting(loadConfig(), createAwsClients());

async function route(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const records = event.Records.map((r) => ({
    id: r.kinesis.sequenceNumber,
    eventId: r.eventID,
    data: Buffer.from(r.kinesis.data, 'base64'),
  }));
  const result = await routing.router.routeBatch(records);
  // Counts and duration are metrics (lib/routing/router.ts); this line is for debugging only.
  log.debug('routed batch', {
    records: records.length,
    delivered: result.delivered,
    deadLettered: result.deadLettered,
    failed: result.failedRecordIds.length,
  });
  return { batchItemFailures: result.failedRecordIds.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = middy(route).use(observability());
