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
import { createHub, type Hub } from '../lib/hub';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface RouterDeps {
  router: Pick<Hub['router'], 'routeBatch'>;
}

async function route(hub: RouterDeps, event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const records = event.Records.map((r) => ({
    id: r.kinesis.sequenceNumber,
    eventId: r.eventID,
    data: Buffer.from(r.kinesis.data, 'base64'),
  }));
  const result = await hub.router.routeBatch(records);
  // Counts and duration are metrics (lib/routing/router.ts); this line is for debugging only.
  log.debug('routed batch', {
    records: records.length,
    delivered: result.delivered,
    deadLettered: result.deadLettered,
    failed: result.failedRecordIds.length,
  });
  return { batchItemFailures: result.failedRecordIds.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const makeHandler = (hub: RouterDeps) => middy((event: KinesisStreamEvent) => route(hub, event)).use(observability());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
