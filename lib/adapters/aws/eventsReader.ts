/**
 * Reads the built-in stream (the Kinesis "events" stream) from a position the caller keeps:
 * what `GET /events` serves. One GetRecords per open shard per call, no waiting; the caller
 * polls. The answer stays under a byte budget (a Lambda response is at most 6 MB): when the
 * next record would not fit, the position stops before it and the next call returns it.
 */
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  ListShardsCommand,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import type { Envelope } from '../../envelope';
import type { StreamMessage } from '../../events/streamMessage';

export type { StreamMessage };
import {
  InvalidPositionError,
  reopen,
  shardStart,
  startPosition,
  type ShardPosition,
  type ShardStart,
  type StreamPosition,
} from '../../events/position';

export interface ReadRequest {
  /** A position from an earlier answer, or undefined to start at `from`. */
  position: StreamPosition | undefined;
  from: string | undefined;
  /** Only this device's messages are returned (the position still moves past the others). */
  deviceId: string | undefined;
  /** Records read per shard (GetRecords Limit). */
  limit: number;
  maxBytes: number;
  nowMs: number;
}

export interface ReadResult {
  messages: StreamMessage[];
  position: StreamPosition;
  millisBehindLatest: number;
}

export class EventsReader {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    /** How long to wait for AT_TIMESTAMP before taking LATEST (kinesalite never answers it past its last record). */
    private readonly atTimestampWaitMs = 2000,
  ) {}

  async read(req: ReadRequest): Promise<ReadResult> {
    const shardIds = await this.shardIds();
    const position: StreamPosition = { ...(req.position ?? startPosition(shardIds, req.from, req.nowMs)) };
    const messages: StreamMessage[] = [];
    let bytes = 0;
    let millisBehindLatest = 0;
    for (const shardId of shardIds) {
      const current = position[shardId];
      if (current?.done) continue;
      const { records, nextIterator, behind } = await this.getRecords(shardId, shardStart(current, req.nowMs), current, req.limit);
      millisBehindLatest = Math.max(millisBehindLatest, behind);
      const next: ShardPosition = { ...(current?.after ? { after: current.after } : current?.atMs ? { atMs: current.atMs } : {}) };
      let cut = false;
      for (const record of records) {
        const message = toMessage(shardId, record);
        const size = JSON.stringify(message).length;
        if (bytes + size > req.maxBytes && (messages.length > 0 || bytes > 0)) {
          cut = true;
          break;
        }
        next.after = record.SequenceNumber;
        delete next.atMs;
        if (req.deviceId === undefined || message.envelope?.deviceId === req.deviceId) {
          messages.push(message);
          bytes += size;
        }
      }
      if (!cut && nextIterator) Object.assign(next, { iterator: nextIterator, iteratorAtMs: req.nowMs });
      // A closed shard returns no next iterator once fully read.
      if (!cut && nextIterator === undefined) next.done = true;
      position[shardId] = next;
    }
    return { messages, position, millisBehindLatest };
  }

  private async shardIds(): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.streamName }));
      for (const s of out.Shards ?? []) if (s.ShardId) ids.push(s.ShardId);
      token = out.NextToken;
    } while (token);
    return ids;
  }

  private async getRecords(
    shardId: string,
    start: ShardStart,
    current: ShardPosition | undefined,
    limit: number,
  ): Promise<{ records: _Record[]; nextIterator: string | undefined; behind: number }> {
    let iterator = await this.iteratorFor(shardId, start);
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        return { records: out.Records ?? [], nextIterator: out.NextShardIterator, behind: out.MillisBehindLatest ?? 0 };
      } catch (err) {
        // A kept iterator that expired (or that Kinesis no longer accepts): reopen from the sequence number.
        const stale = err instanceof ExpiredIteratorException || err instanceof InvalidArgumentException;
        if (attempt > 0 || start.kind !== 'iterator' || !stale) throw err;
        iterator = await this.iteratorFor(shardId, reopen(current));
      }
    }
  }

  private async iteratorFor(shardId: string, start: ShardStart): Promise<string> {
    if (start.kind === 'iterator') return start.iterator;
    const base = { StreamName: this.streamName, ShardId: shardId };
    let out;
    if (start.kind === 'after') {
      try {
        out = await this.kinesis.send(
          new GetShardIteratorCommand({
            ...base,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            StartingSequenceNumber: start.sequenceNumber,
          }),
        );
      } catch (err) {
        // A sequence number of another stream or shard (a position from elsewhere).
        if (err instanceof InvalidArgumentException) throw new InvalidPositionError('the position does not belong to this stream');
        throw err;
      }
    } else if (start.kind === 'at') {
      try {
        out = await this.kinesis.send(
          new GetShardIteratorCommand({ ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(start.timeMs) }),
          { abortSignal: AbortSignal.timeout(this.atTimestampWaitMs) },
        );
      } catch (err) {
        if ((err as Error).name !== 'AbortError' && (err as Error).name !== 'TimeoutError') throw err;
        // Only kinesalite gets here: it never answers AT_TIMESTAMP when no record is that recent,
        // and then every later record is after the time, which is exactly LATEST.
        out = await this.kinesis.send(new GetShardIteratorCommand({ ...base, ShardIteratorType: 'LATEST' }));
      }
    } else {
      out = await this.kinesis.send(new GetShardIteratorCommand({ ...base, ShardIteratorType: 'TRIM_HORIZON' }));
    }
    if (!out.ShardIterator) throw new Error(`no shard iterator for ${shardId}`);
    return out.ShardIterator;
  }
}

function toMessage(shardId: string, record: _Record): StreamMessage {
  const bytes = Buffer.from(record.Data ?? new Uint8Array());
  const base = {
    shardId,
    sequenceNumber: record.SequenceNumber ?? '',
    arrivalTime: record.ApproximateArrivalTimestamp?.toISOString() ?? null,
  };
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && typeof (parsed as Envelope).deviceId === 'string')
      return { ...base, envelope: parsed as Envelope };
  } catch {
    // not JSON: handed out as bytes below
  }
  return { ...base, envelope: null, data: bytes.toString('base64') };
}
