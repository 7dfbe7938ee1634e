/**
 * Writes envelopes to a Kinesis stream with PutRecords, retrying only the entries that
 * failed. It resolves only when every record is stored; otherwise it throws, so a caller
 * never acknowledges a message that is not in the stream.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { EventStream } from '../../envelope';
import { ServiceUnavailableError } from '../../errors';

export interface StreamRecord {
  partitionKey: string;
  data: Uint8Array;
}

export interface StreamWriterOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_RECORDS_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

export class StreamWriter implements EventStream {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly kinesis: KinesisClient,
    readonly streamName: string,
    opts: StreamWriterOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.baseDelayMs = opts.baseDelayMs ?? 25;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async putJson(items: readonly { partitionKey: string; value: unknown }[]): Promise<void> {
    await this.put(items.map((i) => ({ partitionKey: i.partitionKey, data: Buffer.from(JSON.stringify(i.value)) })));
  }

  async put(records: readonly StreamRecord[]): Promise<void> {
    for (const chunk of chunks(records)) await this.putChunk(chunk);
  }

  private async putChunk(records: readonly StreamRecord[]): Promise<void> {
    let pending: PutRecordsRequestEntry[] = records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data }));
    let lastError = 'unknown';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        const out = await this.kinesis.send(new PutRecordsCommand({ StreamName: this.streamName, Records: pending }));
        const failed = pending.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined || out.Records?.[i] === undefined);
        if (failed.length === 0) return;
        lastError = out.Records?.find((r) => r.ErrorCode)?.ErrorCode ?? 'missing result entries';
        pending = failed;
      } catch (err) {
        // The whole call failed: nothing is known to be written, so every pending entry is retried.
        lastError = err instanceof Error ? err.name : String(err);
      }
      if (attempt < this.maxAttempts) await this.sleep(this.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
    throw new StreamWriteError(pending.length, lastError);
  }
}

export class StreamWriteError extends ServiceUnavailableError {
  constructor(
    readonly unwritten: number,
    readonly lastErrorCode: string,
  ) {
    super('The message could not be stored; retry the request');
  }
}

function* chunks(records: readonly StreamRecord[]): Generator<StreamRecord[]> {
  let current: StreamRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.byteLength + Buffer.byteLength(r.partitionKey);
    if (current.length > 0 && (current.length === MAX_RECORDS_PER_CALL || bytes + size > MAX_BYTES_PER_CALL)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) yield current;
}
