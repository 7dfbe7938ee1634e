import { parseConfig } from './config';
import { completeEnv } from './configTestkit';

const complete = completeEnv;

describe('parseConfig', () => {
  it('reads a complete environment with documented defaults for tunables', () => {
    const cfg = parseConfig(complete);
    expect(cfg.tables.c2d).toBe('c');
    expect(cfg.c2d).toEqual({
      defaultTtlSeconds: 3600,
      maxTtlSeconds: 172800,
      maxDeliveryCount: 10,
      defaultLockTimeoutSeconds: 60,
      maxLockTimeoutSeconds: 300,
      maxQueueDepth: 50,
    });
    expect(cfg.deviceCacheTtlMs).toBe(10_000);
    expect(cfg.metricsFlushIntervalMs).toBe(60_000);
  });
  it.each(Object.keys(complete))('fails loudly when %s is missing', (name) => {
    const env: Record<string, string> = { ...complete };
    delete env[name];
    expect(() => parseConfig(env)).toThrow(new RegExp(name));
  });
  it('rejects out-of-range tunables', () => {
    expect(() => parseConfig({ ...complete, C2D_MAX_DELIVERY_COUNT: '101' })).toThrow(/1\.\.100/);
    expect(() => parseConfig({ ...complete, C2D_DEFAULT_TTL_SECONDS: 'x' })).toThrow(/C2D_DEFAULT_TTL_SECONDS/);
    expect(() => parseConfig({ ...complete, METRICS_FLUSH_INTERVAL_MS: '-1' })).toThrow(
      /METRICS_FLUSH_INTERVAL_MS must be an integer in 0\.\.3600000/,
    );
    expect(parseConfig({ ...complete, METRICS_FLUSH_INTERVAL_MS: '0' }).metricsFlushIntervalMs).toBe(0);
  });
  it('reads the derived-key fast path switch: on by default, off when asked, anything else refused', () => {
    expect(parseConfig(complete).deviceAuthCache.derivedKeyFastPath).toBe(true);
    expect(parseConfig({ ...complete, DERIVED_KEY_FAST_PATH: 'off' }).deviceAuthCache.derivedKeyFastPath).toBe(false);
    expect(parseConfig({ ...complete, DERIVED_KEY_FAST_PATH: ' on ' }).deviceAuthCache.derivedKeyFastPath).toBe(true);
    expect(() => parseConfig({ ...complete, DERIVED_KEY_FAST_PATH: 'false' })).toThrow(
      /DERIVED_KEY_FAST_PATH must be one of on, off, got "false"/,
    );
  });
});
