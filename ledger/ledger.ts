/**
 * The soak run's ledger, in the style of Jepsen's queue tests: what every device and backend
 * tried, what the hub acknowledged, and everything observed at the other end (built-in stream,
 * custom endpoints, C2D deliveries, settlements, feedback). Pure bookkeeping: no I/O, no clock
 * (times are passed in). check.ts turns it into the result table.
 */

export type Channel = 'https' | 'websocket';
export const CHANNELS: readonly Channel[] = ['https', 'websocket'];

/** Where D2C messages are observed: the built-in stream, the three custom endpoints and a consumer group of the stream. */
export type EndpointName = 'stream' | 'sqs' | 'fifo' | 'kinesis' | 'group';
export const ENDPOINTS: readonly EndpointName[] = ['stream', 'sqs', 'fifo', 'kinesis', 'group'];

/** Endpoints that keep per-device order (a standard SQS queue does not). */
export const ORDERED_ENDPOINTS: ReadonlySet<EndpointName> = new Set(['stream', 'fifo', 'kinesis', 'group']);

export function messageKey(deviceId: string, seq: number): string {
  return `${deviceId}#${seq}`;
}

interface SentMessage {
  deviceId: string;
  seq: number;
  channel: Channel;
  /** The request (single message or batch) that carried it; retries reuse it. */
  requestId: string;
  acked: boolean;
  /** The hub refused it with a 4xx (a harness bug, reported). */
  refused: boolean;
}

/** Device-to-cloud: attempts, acknowledgements and deliveries per endpoint (arrival order). */
export class D2cLedger {
  readonly sent = new Map<string, SentMessage>();
  /** Per endpoint, per device: sequence numbers in the order they arrived (duplicates included). */
  readonly arrivals = new Map<EndpointName, Map<string, number[]>>(ENDPOINTS.map((e) => [e, new Map()]));
  /** Deliveries of messages nobody sent, per endpoint. */
  readonly unexpected = new Map<EndpointName, string[]>(ENDPOINTS.map((e) => [e, []]));

  /** A device is about to send `seq` in request `requestId` (called again on retries). */
  attempt(deviceId: string, seq: number, channel: Channel, requestId: string): void {
    const key = messageKey(deviceId, seq);
    if (!this.sent.has(key)) this.sent.set(key, { deviceId, seq, channel, requestId, acked: false, refused: false });
  }

  /** The hub answered 204 / ack for it: it must now reach every endpoint. */
  ack(deviceId: string, seq: number): void {
    const m = this.sent.get(messageKey(deviceId, seq));
    if (!m) throw new Error(`ack for a message never attempted: ${messageKey(deviceId, seq)}`);
    m.acked = true;
  }

  refuse(deviceId: string, seq: number): void {
    const m = this.sent.get(messageKey(deviceId, seq));
    if (m) m.refused = true;
  }

  /** One copy of (deviceId, seq) arrived at `endpoint`; call in arrival order. */
  deliver(endpoint: EndpointName, deviceId: string, seq: number): void {
    if (!this.sent.has(messageKey(deviceId, seq))) {
      this.endpointList(this.unexpected, endpoint).push(messageKey(deviceId, seq));
      return;
    }
    const byDevice = this.arrivals.get(endpoint) ?? new Map<string, number[]>();
    this.arrivals.set(endpoint, byDevice);
    const list = byDevice.get(deviceId) ?? [];
    list.push(seq);
    byDevice.set(deviceId, list);
  }

  /** Acknowledged messages not yet seen at `endpoint`. */
  missing(endpoint: EndpointName): SentMessage[] {
    const seen = new Set<string>();
    for (const [deviceId, seqs] of this.arrivals.get(endpoint) ?? []) for (const s of seqs) seen.add(messageKey(deviceId, s));
    return [...this.sent.values()].filter((m) => m.acked && !seen.has(messageKey(m.deviceId, m.seq)));
  }

  private endpointList<T>(map: Map<EndpointName, T[]>, endpoint: EndpointName): T[] {
    const list = map.get(endpoint) ?? [];
    map.set(endpoint, list);
    return list;
  }
}

/** How a command send ended for the backend. */
export type SendOutcome = 'accepted' | 'refused' | 'unknown';

export type FeedbackStatus = 'Success' | 'Expired' | 'DeliveryCountExceeded' | 'Rejected' | 'Purged';
export type SettleAction = 'complete' | 'reject' | 'abandon';

export interface CommandDelivery {
  messageId: string;
  /** The device whose receive (or socket) got it. */
  deviceId: string;
  /** Who holds the lock: "https:<device>" or "ws:<device>:<connection number>". */
  holder: string;
  lockToken: string;
  deliveryCount: number;
  /** Lower bound of when the hub locked it: request start (HTTPS) or a safe bound (push). */
  lockedAfterMs: number;
  /** When the device had it in hand. */
  receivedAtMs: number;
  lockMs: number;
  /** When the device sent its settlement, if it did. */
  settleSentAtMs?: number;
}

interface CommandEntry {
  messageId: string;
  deviceId: string;
  outcome: SendOutcome;
  sendStartedAtMs: number;
  /** Successful device completions (204 / settled frame). */
  completions: number;
  /** Completions whose answer was lost: they may or may not have happened. */
  completionsInDoubt: number;
  /** When the first successful completion was answered. */
  completedAtMs?: number;
  feedback: FeedbackStatus[];
}

/** Cloud-to-device: sends, deliveries (locks), settlements and feedback records. */
export class C2dLedger {
  readonly commands = new Map<string, CommandEntry>();
  readonly deliveries: CommandDelivery[] = [];
  private readonly byToken = new Map<string, CommandDelivery>();
  /** Deliveries, settlements or feedback for message ids never sent. */
  readonly unexpected: string[] = [];
  settleAttempts = 0;
  settleLockLost = 0;

  send(messageId: string, deviceId: string, startedAtMs: number): void {
    this.commands.set(messageId, {
      messageId,
      deviceId,
      outcome: 'unknown',
      sendStartedAtMs: startedAtMs,
      completions: 0,
      completionsInDoubt: 0,
      feedback: [],
    });
  }

  sendOutcome(messageId: string, outcome: SendOutcome): void {
    const c = this.commands.get(messageId);
    if (c) c.outcome = outcome;
  }

  /** When the command was sent (a safe lower bound for any lock on it). */
  sentAt(messageId: string): number | undefined {
    return this.commands.get(messageId)?.sendStartedAtMs;
  }

  deliver(d: CommandDelivery): void {
    if (!this.commands.has(d.messageId)) {
      this.unexpected.push(d.messageId);
      return;
    }
    this.deliveries.push(d);
    this.byToken.set(d.lockToken, d);
  }

  settleSent(lockToken: string, atMs: number): void {
    const d = this.byToken.get(lockToken);
    if (d && d.settleSentAtMs === undefined) d.settleSentAtMs = atMs;
    this.settleAttempts++;
  }

  /** The hub's answer to a settlement: ok (204 / settled) or lock lost (412). */
  settled(lockToken: string, action: SettleAction, ok: boolean, answeredAtMs: number): void {
    if (!ok) {
      this.settleLockLost++;
      return;
    }
    const d = this.byToken.get(lockToken);
    const c = d ? this.commands.get(d.messageId) : undefined;
    if (!c || action !== 'complete') return;
    c.completions++;
    c.completedAtMs ??= answeredAtMs;
  }

  /** A settlement that got no answer (or a 412 after a lost answer): it may have happened. */
  settleInDoubt(lockToken: string, action: SettleAction): void {
    const d = this.byToken.get(lockToken);
    const c = d ? this.commands.get(d.messageId) : undefined;
    if (c && action === 'complete') c.completionsInDoubt++;
  }

  feedback(originalMessageId: string, status: FeedbackStatus): void {
    const c = this.commands.get(originalMessageId);
    if (!c) {
      this.unexpected.push(originalMessageId);
      return;
    }
    c.feedback.push(status);
  }

  /** Accepted commands with no final outcome seen yet (not completed, no feedback). */
  unresolved(): CommandEntry[] {
    return [...this.commands.values()].filter((c) => c.outcome === 'accepted' && c.feedback.length === 0);
  }
}
