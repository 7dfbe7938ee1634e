/**
 * The router: routes one batch of built-in stream records to the custom endpoints, dead-letters
 * what cannot be delivered, records endpoint health, and returns the ids of the records it
 * could not finish (neither delivered nor dead-lettered) for batchItemFailures. AWS access is
 * injected (ports below; adapters in lib/adapters/aws/routing), so this runs the same in Lambda, under the local poller and in tests.
 */
import { errorFields, log } from '../log';
import { metrics } from '../metrics';
import { deliveryDeadLetter, malformedDeadLetter, type DeadLetter } from './deadLetter';
import { deliver, describe, type DeliveryResult, type SendBatch } from './delivery';
import { attemptsFor, initialHealth, newerHealth, nextHealth } from './health';
import type { Endpoint, EndpointHealth, RoutingConfig } from './model';
import type { OutgoingMessage } from './outgoing';
import {
  buildDeliveries,
  decodeRecord,
  devicesNeedingTagsToEnrich,
  devicesNeedingTagsToMatch,
  matchRecords,
  type InputRecord,
  type TagLookup,
} from './plan';
import { compileRoutingTable, type ConditionCache, type RoutingTable } from './table';

/** Port: sends to one custom endpoint (lib/adapters/aws/routing/senders.ts). */
export interface EndpointSender {
  send: SendBatch;
  /** Splits messages into the endpoint's batches (count and size limits). */
  split: (messages: readonly OutgoingMessage[]) => OutgoingMessage[][];
  /** True for an error caused by a message's content (dead-letter it at once, never retry). */
  isPoison: (err: unknown) => boolean;
}

export interface RouterDeps {
  loadConfig: () => Promise<{ config: RoutingConfig; health: EndpointHealth[] }>;
  putHealth: (health: EndpointHealth) => Promise<void>;
  tags: { load(deviceIds: Iterable<string>): Promise<void>; lookup: TagLookup };
  senderFor: (endpoint: Endpoint) => EndpointSender;
  deadLetters: { write(letters: readonly DeadLetter[]): Promise<Set<number>> };
  hubName: string;
  cacheTtlMs: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  deadAfterFailures: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export interface RouteBatchResult {
  /** Ids of records not finished (report as batchItemFailures). */
  failedRecordIds: string[];
  delivered: number;
  deadLettered: number;
}

export class Router {
  private table: RoutingTable | undefined;
  private loadedAt = 0;
  private readonly conditions: ConditionCache = new Map();
  private readonly health = new Map<string, EndpointHealth>();
  private readonly senders = new Map<string, { address: string; sender: EndpointSender }>();
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: RouterDeps) {
    this.now = deps.now ?? (() => new Date());
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The compiled table, reloaded when older than the cache TTL. */
  async routingTable(): Promise<RoutingTable> {
    const now = Date.now();
    if (this.table && now - this.loadedAt < this.deps.cacheTtlMs) return this.table;
    const { config, health } = await this.deps.loadConfig();
    const table = compileRoutingTable(config, this.conditions);
    for (const r of table.invalidRoutes) log.warn('route skipped: condition does not compile', { route: r.name, reason: r.error });
    for (const name of this.conditions.keys()) if (!config.routes.some((r) => r.name === name)) this.conditions.delete(name);
    for (const h of health) {
      const newer = newerHealth(this.health.get(h.endpoint), h);
      if (newer) this.health.set(h.endpoint, newer);
    }
    this.table = table;
    this.loadedAt = now;
    return table;
  }

  async routeBatch(records: readonly InputRecord[]): Promise<RouteBatchResult> {
    const started = Date.now();
    const table = await this.routingTable();
    const decoded = records.map(decodeRecord);
    const letters: { letter: DeadLetter; recordId: string }[] = [];
    const now = this.now();
    for (const d of decoded) {
      if (!d.ok) {
        log.warn('malformed stream record dead-lettered', { eventId: d.record.eventId, reason: d.error });
        letters.push({ letter: malformedDeadLetter({ ...d.record, sequenceNumber: d.record.id }, d.error, now), recordId: d.record.id });
      }
    }
    await this.deps.tags.load(devicesNeedingTagsToMatch(table, decoded));
    const matched = matchRecords(table, decoded, this.deps.tags.lookup);
    metrics.add('RouteMatches', matched.length);
    await this.deps.tags.load(devicesNeedingTagsToEnrich(table, matched));
    const deliveries = buildDeliveries(table, matched, this.deps.hubName, this.deps.tags.lookup);

    let delivered = 0;
    // Endpoints are independent: a failing one spends its retry budget without delaying the others.
    await Promise.all(
      [...deliveries].map(async ([name, messages]) => {
        const endpoint = table.endpoints.get(name);
        if (!endpoint) return;
        const result = await this.deliverTo(endpoint, messages);
        delivered += result.delivered;
        metrics.add('RoutedCopies', result.delivered, { Endpoint: name });
        for (const f of result.failed) {
          const reason = f.permanent ? 'MessageRejected' : 'EndpointUnavailable';
          letters.push({ letter: deliveryDeadLetter(name, f, reason, this.now()), recordId: f.message.record.sequenceNumber });
        }
      }),
    );

    const unwritten = letters.length > 0 ? await this.deps.deadLetters.write(letters.map((l) => l.letter)) : new Set<number>();
    const failedIds = new Set([...unwritten].map((i) => letters[i]?.recordId).filter((id): id is string => id !== undefined));
    if (letters.length > 0) log.warn('messages dead-lettered', { count: letters.length - unwritten.size, unwritten: unwritten.size });
    const result = {
      failedRecordIds: records.filter((r) => failedIds.has(r.id)).map((r) => r.id),
      delivered,
      deadLettered: letters.length - unwritten.size,
    };
    metrics.add('RecordsPerBatch', records.length);
    // Failure counters only when something failed: a series that gets a zero is still billed for
    // that hour (cost/metricHours.ts counts them as exceptional), and their alarms and the
    // dashboard read a missing data point as none.
    if (result.deadLettered > 0) metrics.add('DeadLettered', result.deadLettered);
    if (result.failedRecordIds.length > 0) metrics.add('RecordsRetried', result.failedRecordIds.length);
    metrics.add('RouterBatchDuration', Date.now() - started);
    return result;
  }

  /** Sends to one endpoint with retries, then records its health. Never throws. */
  async deliverTo(endpoint: Endpoint, messages: readonly OutgoingMessage[]): Promise<DeliveryResult> {
    await this.routingTable(); // health as stored, when this instance has not routed yet (redrive)
    const sender = this.senderOf(endpoint);
    let result: DeliveryResult;
    try {
      result = await deliver(messages, sender.send, {
        maxAttempts: attemptsFor(this.health.get(endpoint.name), this.deps.maxAttempts),
        baseDelayMs: this.deps.retryBaseDelayMs,
        sleep: this.sleep,
        split: sender.split,
        isPoison: sender.isPoison,
      });
    } catch (err) {
      // deliver() catches call errors; this is a bug guard so one endpoint cannot fail the batch.
      const error = describe(err);
      result = {
        delivered: 0,
        failed: messages.map((message) => ({ message, error, attempts: 1, permanent: false })),
        retried: false,
        lastError: error,
      };
    }
    await this.recordHealth(endpoint.name, result);
    return result;
  }

  private senderOf(endpoint: Endpoint): EndpointSender {
    const hit = this.senders.get(endpoint.name);
    if (hit && hit.address === endpoint.address) return hit.sender;
    const sender = this.deps.senderFor(endpoint);
    this.senders.set(endpoint.name, { address: endpoint.address, sender });
    return sender;
  }

  private async recordHealth(name: string, result: DeliveryResult): Promise<void> {
    const prev = this.health.get(name) ?? initialHealth(name, this.now());
    // A message the endpoint refused for its content (poison) proves the endpoint reachable:
    // it is dead-lettered, and counts for the endpoint's health as an answered call.
    const poison = result.failed.filter((f) => f.permanent).length;
    const outcome = {
      delivered: result.delivered + poison,
      failed: result.failed.length - poison,
      retried: result.retried,
      ...(result.lastError !== undefined ? { error: result.lastError } : {}),
    };
    const next = nextHealth(prev, outcome, this.now(), this.deps.deadAfterFailures);
    if (next === prev) return;
    this.health.set(name, next);
    if (next.status !== prev.status)
      log.info('endpoint health changed', { endpoint: name, from: prev.status, to: next.status, error: next.lastError });
    try {
      await this.deps.putHealth(next);
    } catch (err) {
      log.warn('endpoint health not recorded', { endpoint: name, ...errorFields(err) });
    }
  }
}
