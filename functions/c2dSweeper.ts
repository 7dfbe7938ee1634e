/**
 * Scheduled: settles commands that died with nobody polling (expired, final lock lapsed) and
 * finishes outboxes a crashed handler left (release, feedback, delete). Reads only the due
 * part of the sparse sweep index, so each run costs what there is to do.
 */
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createAwsClients } from '../lib/adapters/aws/awsClients';
import { observability } from '../lib/http/middleware';
import { loadConfig } from '../lib/config';
import { createHub, type Hub } from '../lib/hub';
import { log } from '../lib/log';

/** The use cases this handler needs: the hub's, or fakes in its unit test. */
export interface C2dSweeperDeps {
  commands: Pick<Hub['commands'], 'sweep'>;
}

const MAX_RECORDS_PER_RUN = 5000;
/** Leave time to finish the record in hand before Lambda's timeout. */
const SAFETY_MS = 3000;

async function sweep(hub: C2dSweeperDeps, context: Context) {
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000;
  const report = await hub.commands.sweep({
    maxRecords: MAX_RECORDS_PER_RUN,
    deadlineMs: Date.now() + Math.max(remaining - SAFETY_MS, 1000),
  });
  if (report.examined > 0) log.info('c2d sweep', { ...report });
  return report;
}

export const makeHandler = (hub: C2dSweeperDeps) =>
  middy((_event: ScheduledEvent, context: Context) => sweep(hub, context)).use(observability());

export const handler = makeHandler(createHub(loadConfig(), createAwsClients()));
