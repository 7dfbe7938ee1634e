/**
 * Composition of the routing feature (the router and the routing API build it once per cold
 * start). Pure modules: model, targets, validation, conditions, table, plan, enrich, outgoing,
 * batching, delivery, health, deadLetter, testMessage. AWS adapters: ./aws.
 */
import type { AwsClients } from '../adapters/aws/awsClients';
import type { HubConfig } from '../config';
import { DeadLetterQueue } from '../adapters/aws/routing/deadLetterQueue';
import { DeviceTags } from '../adapters/aws/routing/deviceTags';
import { endpointProbe } from '../adapters/aws/routing/endpointProbe';
import { RoutingStore } from '../adapters/aws/routing/routingStore';
import { senderFor } from '../adapters/aws/routing/senders';
import { Router } from './router';
import { RoutingService } from './routingService';

export interface Routing {
  store: RoutingStore;
  service: RoutingService;
  router: Router;
  deadLetters: DeadLetterQueue;
}

export function createRouting(config: HubConfig, clients: Pick<AwsClients, 'dynamo' | 'sqs' | 'kinesis'>): Routing {
  const store = new RoutingStore(clients.dynamo, config.tables.routing);
  const tags = new DeviceTags(clients.dynamo, config.tables.devices, config.deviceCacheTtlMs);
  const r = config.routing;
  const deadLetters = new DeadLetterQueue(clients.sqs, config.routingDeadLetterQueue, {
    maxAttempts: r.maxAttempts + 2,
    baseDelayMs: r.retryBaseDelayMs,
  });
  const router = new Router({
    loadConfig: () => store.loadAll(),
    putHealth: (h) => store.putHealth(h),
    tags: { load: (ids) => tags.load(ids), lookup: tags.lookup },
    senderFor: (endpoint) => senderFor(endpoint, clients),
    deadLetters,
    hubName: config.hubName,
    cacheTtlMs: r.cacheTtlMs,
    maxAttempts: r.maxAttempts,
    retryBaseDelayMs: r.retryBaseDelayMs,
    deadAfterFailures: r.deadAfterFailures,
  });
  const readTags = async (deviceId: string) => {
    await tags.load([deviceId]);
    return tags.lookup(deviceId);
  };
  const endpointPolicy = {
    ownResources: [config.eventsStream, config.feedbackQueue, config.routingDeadLetterQueue, config.routerFailureQueue],
    allowedNames: r.endpointNames,
  };
  const service = new RoutingService(store, endpointProbe(clients), readTags, endpointPolicy);
  return { store, service, router, deadLetters };
}
