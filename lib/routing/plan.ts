/**
 * Turning a batch of stream records into per-endpoint deliveries: decode, match routes (with
 * the device's tags where conditions need them), enrich per endpoint, keep record order.
 * Pure: tags come from the caller, which loads them for the device ids this module asks for.
 */
import type { Envelope } from '../envelope';
import { fromEnvelope, type RoutableMessage } from '../query';
import { enrichEnvelope } from './enrich';
import { routeSourceOf, type RouteSource } from './model';
import { outgoing, type OutgoingMessage } from './outgoing';
import { endpointUsesTwin, matchRoutes, type RoutingTable } from './table';

export interface InputRecord {
  /** What batchItemFailures reports (the Kinesis sequence number). */
  id: string;
  /** Unique across shards (shardId:sequenceNumber); keys FIFO de-duplication. */
  eventId: string;
  data: Buffer;
}

export type DecodedRecord =
  { ok: true; record: InputRecord; envelope: Envelope; source: RouteSource } | { ok: false; record: InputRecord; error: string };

export function decodeRecord(record: InputRecord): DecodedRecord {
  let value: unknown;
  try {
    value = JSON.parse(record.data.toString('utf8'));
  } catch {
    return { ok: false, record, error: 'record is not JSON' };
  }
  const env = value as Partial<Envelope> | null;
  if (typeof env !== 'object' || env === null || typeof env.deviceId !== 'string' || env.deviceId === '') {
    return { ok: false, record, error: 'record is not an envelope (no deviceId)' };
  }
  const source = routeSourceOf(typeof env.messageSource === 'string' ? env.messageSource : '');
  if (!source) return { ok: false, record, error: `unknown messageSource ${JSON.stringify(env.messageSource)}` };
  return { ok: true, record, envelope: env as Envelope, source };
}

export type TagLookup = (deviceId: string) => Record<string, unknown> | undefined;

/** Devices whose tags the route conditions need (load these before matching). */
export function devicesNeedingTagsToMatch(table: RoutingTable, records: readonly DecodedRecord[]): Set<string> {
  const out = new Set<string>();
  for (const r of records) if (r.ok && table.twinSources.has(r.source)) out.add(r.envelope.deviceId);
  return out;
}

export interface Matched {
  record: InputRecord;
  envelope: Envelope;
  /** Endpoint name → routes that chose it. */
  endpoints: Map<string, string[]>;
}

export function matchRecords(table: RoutingTable, records: readonly DecodedRecord[], tags: TagLookup): Matched[] {
  const out: Matched[] = [];
  for (const r of records) {
    if (!r.ok) continue;
    const msg: RoutableMessage = fromEnvelope(r.envelope, table.twinSources.has(r.source) ? tags(r.envelope.deviceId) : undefined);
    const endpoints = matchRoutes(table, r.source, msg);
    if (endpoints.size > 0) out.push({ record: r.record, envelope: r.envelope, endpoints });
  }
  return out;
}

/** Devices whose tags the enrichments of their matched endpoints need. */
export function devicesNeedingTagsToEnrich(table: RoutingTable, matched: readonly Matched[]): Set<string> {
  const out = new Set<string>();
  for (const m of matched) {
    for (const endpoint of m.endpoints.keys()) if (endpointUsesTwin(table, endpoint)) out.add(m.envelope.deviceId);
  }
  return out;
}

/** Endpoint name → its messages, in record order. */
export function buildDeliveries(
  table: RoutingTable,
  matched: readonly Matched[],
  hubName: string,
  tags: TagLookup,
): Map<string, OutgoingMessage[]> {
  const out = new Map<string, OutgoingMessage[]>();
  for (const m of matched) {
    for (const [endpoint, routes] of m.endpoints) {
      const enrichments = table.enrichments.get(endpoint) ?? [];
      const envelope = enrichEnvelope(m.envelope, enrichments, hubName, enrichments.length > 0 ? tags(m.envelope.deviceId) : undefined);
      const list = out.get(endpoint) ?? [];
      list.push(outgoing({ sequenceNumber: m.record.id, eventId: m.record.eventId }, endpoint, routes, envelope));
      out.set(endpoint, list);
    }
  }
  return out;
}
