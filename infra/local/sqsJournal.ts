/**
 * Persistence for local-aws-sqs, which keeps queues and messages only in memory and has no
 * option to store them. The SQS server (sqsServer.ts) appends one journal line per change an
 * SQS client was told succeeded (queue created, attributes set, queue deleted or purged,
 * message sent, message deleted) before the answer leaves, and replays the journal when it
 * starts. Pure: no I/O here.
 *
 * What a restart does not keep: which messages were in flight (they are visible again at
 * once, as if their visibility timeout lapsed), receive counts, FIFO deduplication windows,
 * queue tags, and a message's move to a dead-letter queue by a redrive policy (it comes back
 * in its source queue).
 */

/** What SendMessage needs to put a message back (the request's fields). */
export interface StoredMessage {
  MessageBody: string;
  MessageAttributes?: Record<string, unknown>;
  MessageSystemAttributes?: Record<string, unknown>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export type JournalEntry =
  | { op: 'create'; queue: string; attributes: Record<string, string>; tags?: Record<string, string> }
  | { op: 'attributes'; queue: string; attributes: Record<string, string> }
  | { op: 'deleteQueue'; queue: string }
  | { op: 'purge'; queue: string }
  | { op: 'send'; queue: string; id: string; at: number; message: StoredMessage }
  | { op: 'delete'; id: string };

interface QueueModel {
  attributes: Record<string, string>;
  tags?: Record<string, string>;
  messages: Map<string, { at: number; message: StoredMessage }>;
}

const DEFAULT_RETENTION_SECONDS = 345_600;

/** The queues and live messages a journal describes. */
export class SqsModel {
  readonly queues = new Map<string, QueueModel>();
  private readonly queueOf = new Map<string, string>();

  apply(e: JournalEntry): void {
    switch (e.op) {
      case 'create':
        if (!this.queues.has(e.queue))
          this.queues.set(e.queue, { attributes: { ...e.attributes }, ...(e.tags ? { tags: e.tags } : {}), messages: new Map() });
        return;
      case 'attributes': {
        const q = this.queues.get(e.queue);
        if (q) Object.assign(q.attributes, e.attributes);
        return;
      }
      case 'deleteQueue':
      case 'purge': {
        const q = this.queues.get(e.queue);
        for (const id of q?.messages.keys() ?? []) this.queueOf.delete(id);
        q?.messages.clear();
        if (e.op === 'deleteQueue') this.queues.delete(e.queue);
        return;
      }
      case 'send': {
        const q = this.queues.get(e.queue);
        if (!q) return;
        q.messages.set(e.id, { at: e.at, message: e.message });
        this.queueOf.set(e.id, e.queue);
        return;
      }
      case 'delete': {
        const queue = this.queueOf.get(e.id);
        if (queue !== undefined) this.queues.get(queue)?.messages.delete(e.id);
        this.queueOf.delete(e.id);
        return;
      }
    }
  }

  /** How many entries a fresh journal of this state needs. */
  size(): number {
    return this.queues.size + this.queueOf.size;
  }

  /** The shortest journal that rebuilds this state, leaving out messages past their retention. */
  snapshot(nowMs: number): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (const [queue, q] of this.queues) {
      out.push({ op: 'create', queue, attributes: q.attributes, ...(q.tags ? { tags: q.tags } : {}) });
      const retentionMs = Number(q.attributes.MessageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS) * 1000;
      for (const [id, m] of q.messages) {
        if (m.at + retentionMs > nowMs) out.push({ op: 'send', queue, id, at: m.at, message: m.message });
      }
    }
    return out;
  }
}

/** Parses journal text; a torn last line (killed mid-write) is ignored. */
export function parseJournal(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch {
      /* torn write */
    }
  }
  return out;
}

type Json = Record<string, unknown>;

function queueName(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  return url.split('/').filter(Boolean).pop();
}

function stored(m: Json): StoredMessage {
  const out: StoredMessage = { MessageBody: String(m.MessageBody ?? '') };
  if (m.MessageAttributes) out.MessageAttributes = m.MessageAttributes as Record<string, unknown>;
  if (m.MessageSystemAttributes) out.MessageSystemAttributes = m.MessageSystemAttributes as Record<string, unknown>;
  if (typeof m.MessageGroupId === 'string') out.MessageGroupId = m.MessageGroupId;
  if (typeof m.MessageDeduplicationId === 'string') out.MessageDeduplicationId = m.MessageDeduplicationId;
  return out;
}

/**
 * The journal entries of one successful JSON-protocol request. `receipts` maps receipt handles
 * (from ReceiveMessage answers) to message ids, because deletes name only the handle.
 */
export function entriesFor(action: string, request: Json, response: Json, receipts: Map<string, string>, nowMs: number): JournalEntry[] {
  const queue = queueName(request.QueueUrl) ?? '';
  switch (action) {
    case 'CreateQueue': {
      const name = String(request.QueueName ?? '');
      const tags = request.tags as Record<string, string> | undefined;
      return [{ op: 'create', queue: name, attributes: (request.Attributes as Record<string, string>) ?? {}, ...(tags ? { tags } : {}) }];
    }
    case 'SetQueueAttributes':
      return [{ op: 'attributes', queue, attributes: (request.Attributes as Record<string, string>) ?? {} }];
    case 'DeleteQueue':
      return [{ op: 'deleteQueue', queue }];
    case 'PurgeQueue':
      return [{ op: 'purge', queue }];
    case 'SendMessage':
      return typeof response.MessageId === 'string'
        ? [{ op: 'send', queue, id: response.MessageId, at: nowMs, message: stored(request) }]
        : [];
    case 'SendMessageBatch': {
      const entries = new Map(((request.Entries as Json[] | undefined) ?? []).map((e) => [String(e.Id), e]));
      return ((response.Successful as Json[] | undefined) ?? []).flatMap((ok): JournalEntry[] => {
        const entry = entries.get(String(ok.Id));
        return entry && typeof ok.MessageId === 'string'
          ? [{ op: 'send', queue, id: ok.MessageId, at: nowMs, message: stored(entry) }]
          : [];
      });
    }
    case 'ReceiveMessage':
      for (const m of (response.Messages as Json[] | undefined) ?? []) {
        if (typeof m.ReceiptHandle === 'string' && typeof m.MessageId === 'string') receipts.set(m.ReceiptHandle, m.MessageId);
      }
      return [];
    case 'DeleteMessage':
      return deleteOf(String(request.ReceiptHandle ?? ''), receipts);
    case 'DeleteMessageBatch': {
      const handles = new Map(((request.Entries as Json[] | undefined) ?? []).map((e) => [String(e.Id), String(e.ReceiptHandle ?? '')]));
      return ((response.Successful as Json[] | undefined) ?? []).flatMap((ok) => deleteOf(handles.get(String(ok.Id)) ?? '', receipts));
    }
    default:
      return [];
  }
}

function deleteOf(handle: string, receipts: Map<string, string>): JournalEntry[] {
  const id = receipts.get(handle);
  if (id === undefined) return [];
  receipts.delete(handle);
  return [{ op: 'delete', id }];
}
