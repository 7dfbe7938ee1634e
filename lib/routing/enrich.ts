/**
 * Message enrichments: extra application properties stamped on the copies sent to one
 * endpoint. Values are static strings, `$iothubname`, or `$twin.tags.<path>` read from the
 * device's registry tags; a path the tags do not have is stamped as the literal string, as
 * IoT Hub does. An enrichment overwrites a property of the same name the device sent. Pure.
 */
import type { Envelope } from '../envelope';
import { walkTags } from '../query/message';
import type { Enrichment } from './model';

export interface CompiledEnrichment {
  key: string;
  /** Resolves the value for one device's tags. */
  resolve(hubName: string, tags: Record<string, unknown> | undefined): string;
  usesTwin: boolean;
}

const TWIN_PREFIX = '$twin.tags.';

export function compileEnrichment(e: Pick<Enrichment, 'key' | 'value'>): CompiledEnrichment {
  const { key, value } = e;
  if (value === '$iothubname') return { key, usesTwin: false, resolve: (hubName) => hubName };
  if (value.startsWith(TWIN_PREFIX)) {
    // Tag keys are case-sensitive, as twin keys are in IoT Hub.
    const path = value.slice(TWIN_PREFIX.length).split('.');
    return {
      key,
      usesTwin: true,
      resolve: (_hubName, tags) => {
        const found = walkTags(tags, path);
        if (found === undefined || found === null) return value;
        return typeof found === 'string' ? found : JSON.stringify(found);
      },
    };
  }
  return { key, usesTwin: false, resolve: () => value };
}

/** A copy of the envelope with the enrichments applied (the input is not changed). */
export function enrichEnvelope(
  envelope: Envelope,
  enrichments: readonly CompiledEnrichment[],
  hubName: string,
  tags: Record<string, unknown> | undefined,
): Envelope {
  if (enrichments.length === 0) return envelope;
  const properties = { ...envelope.properties };
  for (const e of enrichments) {
    // defineProperty: a key named "__proto__" must stay a property, not become a prototype.
    Object.defineProperty(properties, e.key, { value: e.resolve(hubName, tags), enumerable: true, writable: true, configurable: true });
  }
  return { ...envelope, properties };
}
