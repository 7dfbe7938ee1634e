/**
 * The page's one reader of the built-in stream (GET /events): polls from the position the
 * last answer carried, keeps the newest messages, and says plainly when the hub is away
 * (retrying with backoff) or refuses (stops).
 */
import { ApiError, type Api } from './api';
import type { StreamMessage } from './messages';

export type StreamStatus =
  | { kind: 'idle' }
  | { kind: 'live'; behindMs: number }
  | { kind: 'paused' }
  | { kind: 'retrying'; message: string; inSeconds: number; throttled: boolean }
  | { kind: 'stopped'; message: string };

const KEEP = 1000;
const POLL_MS = 1000;

export class LiveStream {
  readonly messages: StreamMessage[] = [];
  /** Arrival times (page clock) of every message seen, for the rate on the overview. */
  readonly arrivals: number[] = [];
  status: StreamStatus = { kind: 'idle' };
  private position: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private running = false;
  private readonly listeners = new Set<(added: StreamMessage[]) => void>();

  constructor(private readonly api: Api) {}

  onChange(listener: (added: StreamMessage[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(from: 'latest' | 'trim-horizon' = 'latest'): void {
    if (this.running) return;
    this.running = true;
    // "latest" is pinned to now: if the first reads fail, the retry still starts here, not later.
    if (!this.position) this.from = from === 'latest' ? new Date().toISOString() : from;
    this.setStatus({ kind: 'idle' });
    void this.poll();
  }

  private from: string = 'latest';

  pause(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.setStatus({ kind: 'paused' });
  }

  /** Starts over at `from`, dropping what was kept. */
  restart(from: 'latest' | 'trim-horizon'): void {
    this.pause();
    this.position = undefined;
    this.messages.length = 0;
    this.from = from;
    this.start(from);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    const params = new URLSearchParams({ top: '500' });
    if (this.position) params.set('position', this.position);
    else params.set('from', this.from);
    try {
      const { data } = await this.api.call<{ messages: StreamMessage[]; position: string; millisBehindLatest: number }>(
        'GET',
        `/events?${params}`,
      );
      if (!this.running) return;
      this.position = data.position;
      this.failures = 0;
      if (data.messages.length > 0) {
        const now = Date.now();
        for (let i = 0; i < data.messages.length; i++) this.arrivals.push(now);
        while (this.arrivals.length > 0 && (this.arrivals[0] ?? 0) < now - 3_600_000) this.arrivals.shift();
        this.messages.unshift(...[...data.messages].reverse());
        if (this.messages.length > KEEP) this.messages.length = KEEP;
      }
      this.setStatus({ kind: 'live', behindMs: data.millisBehindLatest }, data.messages);
      this.timer = setTimeout(() => void this.poll(), data.millisBehindLatest > 0 ? 0 : POLL_MS);
    } catch (err) {
      if (!this.running) return;
      const e = err instanceof ApiError ? err : new ApiError(0, 'Error', (err as Error).message);
      if (e.status === 401 || e.status === 403 || e.status === 400) {
        this.running = false;
        this.setStatus({ kind: 'stopped', message: e.message });
        return;
      }
      this.failures++;
      const inSeconds = Math.min(10, 2 ** Math.min(this.failures - 1, 4));
      this.setStatus({ kind: 'retrying', message: e.message, inSeconds, throttled: e.status === 429 });
      this.timer = setTimeout(() => void this.poll(), inSeconds * 1000);
    }
  }

  private setStatus(status: StreamStatus, added: StreamMessage[] = []): void {
    this.status = status;
    for (const l of this.listeners) l(added);
  }
}
