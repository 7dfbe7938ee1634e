/**
 * The ledger test, short version of `npm run soak`: its own hub (ports TEST_PORTS + 80..85, on
 * persisted data), 50 devices over HTTPS and WebSocket, commands with ack=full, and one cycle
 * of every fault (poller killed mid-run, kinesalite and dynalite stopped and restarted,
 * an endpoint outage with redrive, partial PutRecords/SendMessageBatch failures, DynamoDB
 * writes applied but answered with errors). Nothing acknowledged may be lost, nothing
 * unexpected may appear, and every accepted command must end exactly once.
 *
 * The load is driven to counts (acknowledged messages per channel, accepted commands, one whole
 * fault cycle) with a generous deadline, never measured over a fixed time: a slow machine makes
 * the run longer, not the assertions weaker.
 */
import { runSoak } from '../bench/soak/soak';
import { TEST_PORTS } from './support/config';

const TARGETS = { acknowledgedPerChannel: 150, commandsAccepted: 60, faultCycles: 1 };

it('loses nothing acknowledged and settles every command exactly once under faults', async () => {
  const result = await runSoak({
    basePort: TEST_PORTS.httpPort + 80,
    loadSeconds: 35,
    cycleSeconds: 35,
    drainSeconds: 60,
    httpsDevices: 30,
    wsDevices: 20,
    sendIntervalMs: 2000,
    commandIntervalMs: 250,
    targets: TARGETS,
    loadDeadlineSeconds: 420,
    log: () => undefined,
  });
  console.log(`${result.text}\nfaults:\n${result.faults.map((f) => `  ${f.atSeconds} s  ${f.fault} (${f.ms} ms)`).join('\n')}`);
  for (const row of result.report.d2c) {
    expect({ channel: row.channel, endpoint: row.endpoint, lost: row.lost }).toEqual({
      channel: row.channel,
      endpoint: row.endpoint,
      lost: 0,
    });
    expect(row.acknowledged).toBeGreaterThanOrEqual(TARGETS.acknowledgedPerChannel);
  }
  expect(result.report.unexpectedD2c).toBe(0);
  expect(result.report.c2d.accepted).toBeGreaterThanOrEqual(TARGETS.commandsAccepted);
  expect(result.faults.length).toBeGreaterThanOrEqual(8);
  expect(result.report.failures).toEqual([]);
}, 900_000);
