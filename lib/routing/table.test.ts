import { fromEnvelope } from '../query';
import { compileRoutingTable, matchRoutes, type ConditionCache } from './table';
import { config, endpoint, envelope, route } from './testkit';

const msg = (over: Parameters<typeof envelope>[0] = {}) => fromEnvelope(envelope(over));

describe('route matching', () => {
  const table = compileRoutingTable(
    config({
      endpoints: [endpoint('a'), endpoint('b'), endpoint('fb')],
      routes: [
        route('r1', 'a', '$body.temp > 30'),
        route('r2', 'a', "level = 'alert'"),
        route('r3', 'b', "level = 'alert'"),
        route('r4', 'b', 'true', { enabled: false }),
        route('r5', 'missing', 'true'),
        route('life', 'b', 'true', { source: 'DeviceLifecycleEvents' }),
      ],
      fallback: { endpoint: 'fb', enabled: true, updatedTime: '' },
    }),
  );

  it('gives each endpoint one entry with every route that chose it', () => {
    const m = matchRoutes(table, 'DeviceMessages', msg({ json: { temp: 40 }, properties: { level: 'alert' } }));
    expect([...m]).toEqual([
      ['a', ['r1', 'r2']],
      ['b', ['r3']],
    ]);
  });

  it('skips disabled routes and routes to unknown endpoints', () => {
    const m = matchRoutes(table, 'DeviceMessages', msg({ json: { temp: 10 }, properties: { level: 'info' } }));
    expect([...m]).toEqual([['fb', ['$fallback']]]);
  });

  it('routes by source, and the fallback applies only to device messages', () => {
    expect([...matchRoutes(table, 'DeviceLifecycleEvents', msg({ messageSource: 'DeviceLifecycleEvents' }))]).toEqual([['b', ['life']]]);
    expect(matchRoutes(table, 'DeviceConnectionStateEvents', msg()).size).toBe(0);
  });

  it('uses no fallback when it is disabled or absent', () => {
    const t = compileRoutingTable(config({ endpoints: [endpoint('fb')], fallback: { endpoint: 'fb', enabled: false, updatedTime: '' } }));
    expect(matchRoutes(t, 'DeviceMessages', msg()).size).toBe(0);
  });

  it('knows which sources need twin tags', () => {
    const t = compileRoutingTable(config({ endpoints: [endpoint('a')], routes: [route('r', 'a', "$twin.tags.site = 'x' OR false")] }));
    expect([...t.twinSources]).toEqual(['DeviceMessages']);
    expect(table.twinSources.size).toBe(0);
  });

  it('compiles each condition once and reuses it while the text is unchanged', () => {
    const cache: ConditionCache = new Map();
    const cfg = config({ endpoints: [endpoint('a')], routes: [route('r', 'a', 'x = 1')] });
    const first = compileRoutingTable(cfg, cache).routesBySource.get('DeviceMessages')?.[0]?.condition;
    const again = compileRoutingTable(cfg, cache).routesBySource.get('DeviceMessages')?.[0]?.condition;
    expect(again).toBe(first);
    const changed = compileRoutingTable(config({ endpoints: [endpoint('a')], routes: [route('r', 'a', 'x = 2')] }), cache);
    expect(changed.routesBySource.get('DeviceMessages')?.[0]?.condition).not.toBe(first);
  });

  it('skips a stored route whose condition no longer compiles, and reports it', () => {
    const t = compileRoutingTable(config({ endpoints: [endpoint('a')], routes: [route('bad', 'a', 'a ='), route('ok', 'a', 'true')] }));
    expect(t.invalidRoutes.map((r) => r.name)).toEqual(['bad']);
    expect(t.routesBySource.get('DeviceMessages')?.map((r) => r.route.name)).toEqual(['ok']);
  });
});
