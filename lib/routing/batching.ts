/** Splitting sends into service-sized calls, keeping the input order. Pure. */

export const SQS_BATCH = { maxEntries: 10, maxBytes: 1024 * 1024 } as const;
export const KINESIS_BATCH = { maxEntries: 500, maxBytes: 5 * 1024 * 1024 } as const;

/**
 * Consecutive chunks of at most `maxEntries` items and `maxBytes` total size. An item larger
 * than `maxBytes` travels alone (the service then rejects it, and only it).
 */
export function chunk<T>(items: readonly T[], limits: { maxEntries: number; maxBytes: number }, sizeOf: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= limits.maxEntries || bytes + size > limits.maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
