/** The scheduled C2D sweeper with a fake queue: its budget (record cap, deadline before the function's). */
import type { ScheduledEvent } from 'aws-lambda';
import { makeHandler, type C2dSweeperDeps } from './c2dSweeper';
import { lambdaContext } from './handlerTestkit';

jest.mock('../lib/config', () => ({ ...jest.requireActual<object>('../lib/config'), loadConfig: () => ({}) }));
jest.mock('../lib/hub', () => ({ createHub: () => ({}) }));
jest.mock('../lib/adapters/aws/awsClients', () => ({ createAwsClients: () => ({}) }));

const scheduled = {} as ScheduledEvent;

describe('c2dSweeper handler', () => {
  it('sweeps with a record cap and a deadline that leaves a safety margin before the function times out', async () => {
    const report = { examined: 3, settled: 2 };
    const sweep = jest.fn((_budget: { maxRecords: number; deadlineMs: number }) => Promise.resolve(report));
    const handler = makeHandler({ commands: { sweep } } as unknown as C2dSweeperDeps);
    const before = Date.now();
    expect(await handler(scheduled, lambdaContext(60_000))).toEqual(report);
    const budget = sweep.mock.calls[0]?.[0];
    expect(budget?.maxRecords).toBe(5000);
    expect(budget?.deadlineMs).toBeGreaterThanOrEqual(before + 57_000);
    expect(budget?.deadlineMs).toBeLessThanOrEqual(Date.now() + 57_000);
  });

  it('keeps at least one second of budget when the function is nearly out of time', async () => {
    const sweep = jest.fn((_budget: { maxRecords: number; deadlineMs: number }) => Promise.resolve({ examined: 0 }));
    const handler = makeHandler({ commands: { sweep } } as unknown as C2dSweeperDeps);
    const before = Date.now();
    await handler(scheduled, lambdaContext(500));
    expect(sweep.mock.calls[0]?.[0].deadlineMs).toBeGreaterThanOrEqual(before + 1000);
  });

  it('lets a sweep failure propagate (the schedule runs it again)', async () => {
    const handler = makeHandler({ commands: { sweep: () => Promise.reject(new Error('boom')) } } as unknown as C2dSweeperDeps);
    await expect(handler(scheduled, lambdaContext())).rejects.toThrow('boom');
  });
});
