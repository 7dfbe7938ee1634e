/**
 * local-aws-sqs in its own process. It keeps queues and messages in memory only; with a
 * journal path (argv[3]) every acknowledged change is appended to that file before the answer
 * is sent, and the journal is replayed on start, so queues and their messages survive a
 * restart (see sqsJournal.ts for what does not). Usage: sqsServer.js <port> [journal file]
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createRequestHandler, type ISqsServerOptions } from 'local-aws-sqs';
import { entriesFor, parseJournal, SqsModel, type JournalEntry } from './sqsJournal';

const port = Number(process.argv[2] ?? 9324);
const journalPath = process.argv[3];
const MAX_RECEIPTS = 100_000;

type Queues = NonNullable<ISqsServerOptions['queues']>;
interface ReplayableQueue {
  QueueName: string;
  setRecord(input: Record<string, unknown>, messageId?: string): unknown;
}

function main(): void {
  const model = new SqsModel();
  if (journalPath && existsSync(journalPath)) for (const e of parseJournal(readFileSync(journalPath, 'utf8'))) model.apply(e);
  const now = Date.now();
  const snapshot = model.snapshot(now);
  const queues: Queues = snapshot.flatMap((e) =>
    e.op === 'create'
      ? [{ QueueName: e.queue, Attributes: e.attributes as Queues[number]['Attributes'], ...(e.tags ? { tags: e.tags } : {}) }]
      : [],
  );
  const { service, requestHandler } = createRequestHandler({
    port,
    hostname: '127.0.0.1',
    // A deleted queue's name may be reused at once locally (AWS makes you wait 60 s).
    emulateQueueCreationLifecycle: false,
    queues,
  });
  let replayed = 0;
  for (const e of snapshot) {
    if (e.op !== 'send') continue;
    const queue = (service.Queues as unknown as ReplayableQueue[]).find((q) => q.QueueName === e.queue);
    // setRecord keeps the message id (the public SendMessage would mint a new one).
    queue?.setRecord({ ...e.message, DelaySeconds: 0 }, e.id);
    replayed++;
  }

  let journal: Journal | undefined;
  if (journalPath) {
    journal = new Journal(journalPath, model);
    journal.rewrite(snapshot);
  }
  const receipts = new Map<string, string>();

  const server = createServer((req, res) => {
    void handle(req, res, requestHandler, journal, receipts).catch((err: unknown) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(
      `local-aws-sqs listening on ${port}` +
        (journalPath ? `; journal ${journalPath}: ${queues.length} queues, ${replayed} messages restored` : ' (in memory)'),
    );
  });
}

/** Appends entries synchronously (a SIGKILL right after still leaves them in the file); compacts now and then. */
class Journal {
  private fd: number;
  private lines = 0;

  constructor(
    private readonly path: string,
    private readonly model: SqsModel,
  ) {
    this.fd = openSync(path, 'a');
  }

  append(entries: JournalEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) this.model.apply(e);
    writeSync(this.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.lines += entries.length;
    if (this.lines > 20_000 && this.lines > 4 * this.model.size()) this.rewrite(this.model.snapshot(Date.now()));
  }

  rewrite(entries: JournalEntry[]): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(tmp, this.path); // atomic: a kill leaves the old journal or the new one
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.lines = entries.length;
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  requestHandler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  journal: Journal | undefined,
  receipts: Map<string, string>,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // local-aws-sqs reads the body from the request stream itself: hand it a replay of the bytes.
  const replay = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    headers: req.headers,
    method: req.method,
    url: req.url,
  }) as unknown as IncomingMessage;
  const target = req.headers['x-amz-target'];
  const action = typeof target === 'string' ? target.split('.')[1] : undefined;
  if (journal && action) {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (res.statusCode === 200) {
        const [data] = args;
        const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : '';
        // Journaled before the answer leaves: what the client was told succeeded is on disk.
        journal.append(entriesFor(action, parse(body.toString('utf8')), parse(text), receipts, Date.now()));
        if (receipts.size > MAX_RECEIPTS) receipts.delete(receipts.keys().next().value ?? '');
      }
      return end(...args);
    }) as ServerResponse['end'];
  }
  await requestHandler(replay, res);
}

function parse(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

main();
