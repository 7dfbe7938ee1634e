import { entriesFor, parseJournal, SqsModel, type JournalEntry } from './sqsJournal';

const URL = 'http://127.0.0.1:9324/123456789012/q1';

function model(entries: JournalEntry[]): SqsModel {
  const m = new SqsModel();
  for (const e of entries) m.apply(e);
  return m;
}

describe('SQS journal', () => {
  it('turns acknowledged sends and deletes into entries, finding deletes through receipt handles', () => {
    const receipts = new Map<string, string>();
    const create = entriesFor('CreateQueue', { QueueName: 'q1', Attributes: { VisibilityTimeout: '5' } }, { QueueUrl: URL }, receipts, 1);
    const send = entriesFor('SendMessage', { QueueUrl: URL, MessageBody: 'a' }, { MessageId: 'm1' }, receipts, 2);
    const batch = entriesFor(
      'SendMessageBatch',
      {
        QueueUrl: URL,
        Entries: [
          { Id: '0', MessageBody: 'b', MessageGroupId: 'g' },
          { Id: '1', MessageBody: 'c' },
        ],
      },
      { Successful: [{ Id: '0', MessageId: 'm2' }], Failed: [{ Id: '1' }] },
      receipts,
      3,
    );
    expect(batch).toEqual([{ op: 'send', queue: 'q1', id: 'm2', at: 3, message: { MessageBody: 'b', MessageGroupId: 'g' } }]);
    expect(entriesFor('ReceiveMessage', { QueueUrl: URL }, { Messages: [{ MessageId: 'm1', ReceiptHandle: 'h1' }] }, receipts, 4)).toEqual(
      [],
    );
    const del = entriesFor('DeleteMessage', { QueueUrl: URL, ReceiptHandle: 'h1' }, {}, receipts, 5);
    expect(del).toEqual([{ op: 'delete', id: 'm1' }]);
    // A handle never seen (from before a restart) deletes nothing the journal knows.
    expect(entriesFor('DeleteMessage', { QueueUrl: URL, ReceiptHandle: 'unknown' }, {}, receipts, 6)).toEqual([]);
    const m = model([...create, ...send, ...batch, ...del]);
    expect(m.snapshot(10)).toEqual([
      { op: 'create', queue: 'q1', attributes: { VisibilityTimeout: '5' } },
      { op: 'send', queue: 'q1', id: 'm2', at: 3, message: { MessageBody: 'b', MessageGroupId: 'g' } },
    ]);
  });

  it('purge and queue deletion drop messages; retention drops old ones from the snapshot', () => {
    const m = model([
      { op: 'create', queue: 'a', attributes: { MessageRetentionPeriod: '60' } },
      { op: 'create', queue: 'b', attributes: {} },
      { op: 'send', queue: 'a', id: '1', at: 0, message: { MessageBody: 'old' } },
      { op: 'send', queue: 'a', id: '2', at: 50_000, message: { MessageBody: 'new' } },
      { op: 'send', queue: 'b', id: '3', at: 0, message: { MessageBody: 'x' } },
      { op: 'purge', queue: 'b' },
      { op: 'send', queue: 'b', id: '4', at: 0, message: { MessageBody: 'y' } },
      { op: 'attributes', queue: 'b', attributes: { VisibilityTimeout: '9' } },
    ]);
    expect(m.snapshot(70_000)).toEqual([
      { op: 'create', queue: 'a', attributes: { MessageRetentionPeriod: '60' } },
      { op: 'send', queue: 'a', id: '2', at: 50_000, message: { MessageBody: 'new' } },
      { op: 'create', queue: 'b', attributes: { VisibilityTimeout: '9' } },
      { op: 'send', queue: 'b', id: '4', at: 0, message: { MessageBody: 'y' } },
    ]);
    m.apply({ op: 'deleteQueue', queue: 'b' });
    expect(m.snapshot(70_000).map((e) => e.op)).toEqual(['create', 'send']);
  });

  it('ignores a torn last line', () => {
    const text = `${JSON.stringify({ op: 'create', queue: 'q', attributes: {} })}\n{"op":"send","queue":"q","id`;
    expect(parseJournal(text)).toEqual([{ op: 'create', queue: 'q', attributes: {} }]);
  });
});
