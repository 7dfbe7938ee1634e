/** `devhub c2d ...` and `devhub feedback tail` as a user runs them, against the test hub. */
import { devhub } from './support/cli';
import { newDevice } from './support/hub';

describe('devhub c2d / feedback', () => {
  it('prints help', async () => {
    for (const args of [
      ['c2d', '--help'],
      ['c2d', 'send', '--help'],
      ['feedback', '--help'],
    ]) {
      const run = await devhub(...args);
      expect({ args, code: run.code }).toEqual({ args, code: 0 });
      expect(run.stdout).toMatch(/Usage: devhub/);
    }
  });

  it('sends, receives, abandons, completes, rejects and purges commands, and tails their feedback', async () => {
    const { device } = await newDevice('c2d-cli');
    const id = device.deviceId;
    const sent = await devhub(
      'c2d',
      'send',
      id,
      'hello',
      '--ack',
      'full',
      '--ttl',
      '600',
      '--message-id',
      'cli-1',
      '--correlation-id',
      'c-1',
      '--property',
      'k=v',
    );
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toEqual({ messageId: 'cli-1', sequenceNumber: expect.any(Number) });

    const received = await devhub('c2d', 'receive', '--device', id, '--lock-timeout', '30');
    const msg = JSON.parse(received.stdout) as {
      lockToken: string;
      body: string;
      messageId: string;
      correlationId: string;
      properties: Record<string, string>;
      deliveryCount: number;
      headers: Record<string, string>;
    };
    expect([msg.body, msg.messageId, msg.correlationId, msg.properties, msg.deliveryCount]).toEqual([
      'hello',
      'cli-1',
      'c-1',
      { k: 'v' },
      0,
    ]);
    expect(msg.headers.etag).toBe(`"${msg.lockToken}"`);
    expect((await devhub('c2d', 'abandon', '--device', id, msg.lockToken)).code).toBe(0);
    const again = JSON.parse((await devhub('c2d', 'receive', '--device', id)).stdout) as { lockToken: string; deliveryCount: number };
    expect(again.deliveryCount).toBe(1);
    const completed = await devhub('c2d', 'complete', '--device', id, again.lockToken);
    expect([completed.code, completed.stdout.trim()]).toEqual([0, `completed ${again.lockToken}`]);
    const lost = await devhub('c2d', 'complete', '--device', id, again.lockToken);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain('DeviceMessageLockLost');
    expect((await devhub('c2d', 'receive', '--device', id)).stdout.trim()).toBe('no command is waiting');

    await devhub('c2d', 'send', id, 'no', '--ack', 'negative', '--message-id', 'cli-2');
    const toReject = JSON.parse((await devhub('c2d', 'receive', '--device', id)).stdout) as { lockToken: string };
    expect((await devhub('c2d', 'reject', '--device', id, toReject.lockToken)).code).toBe(0);
    await devhub('c2d', 'send', id, 'gone', '--ack', 'full', '--message-id', 'cli-3');
    expect(JSON.parse((await devhub('c2d', 'purge', id)).stdout)).toEqual({ deviceId: id, totalMessagesPurged: 1 });

    const tail = await devhub('feedback', 'tail', '--device', id);
    expect(tail.code).toBe(0);
    const records = tail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { originalMessageId: string; statusCode: string });
    expect(records.map((r) => `${r.originalMessageId}:${r.statusCode}`).sort()).toEqual([
      'cli-1:Success',
      'cli-2:Rejected',
      'cli-3:Purged',
    ]);

    const bad = await devhub('c2d', 'send', id, 'x', '--ack', 'maybe');
    expect(bad.code).toBe(2);
  });
});
