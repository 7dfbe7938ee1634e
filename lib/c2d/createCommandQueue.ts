/** Builds the hub's command queue from configuration and AWS clients (used by lib/hub.ts). */
import type { AwsClients } from '../adapters/aws/awsClients';
import { DeviceStore } from '../adapters/aws/deviceStore';
import type { HubConfig } from '../config';
import { CommandQueue } from './commandQueue';
import { DynamoQueueStore } from '../adapters/aws/c2d/dynamoStore';
import { FeedbackPublisher } from '../adapters/aws/c2d/feedbackQueue';

/** A settled command's own handler normally finishes its outbox within milliseconds; the sweeper waits this long before taking over. */
export const OUTBOX_GRACE_MS = 30_000;

export function createCommandQueue(config: HubConfig, clients: Pick<AwsClients, 'dynamo' | 'sqs'>): CommandQueue {
  const devices = new DeviceStore(clients.dynamo, config.tables.devices);
  return new CommandQueue(
    new DynamoQueueStore(clients.dynamo, config.tables.c2d),
    new FeedbackPublisher(clients.sqs, config.feedbackQueue),
    {
      maxDeliveryCount: config.c2d.maxDeliveryCount,
      maxQueueDepth: config.c2d.maxQueueDepth,
      outboxGraceMs: OUTBOX_GRACE_MS,
    },
    { currentGeneration: async (deviceId) => (await devices.get(deviceId))?.generationId },
  );
}
