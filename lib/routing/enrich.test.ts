import { compileEnrichment, enrichEnvelope } from './enrich';
import { envelope } from './testkit';

describe('enrichments', () => {
  const tags = { site: 'oslo', Location: { Floor: 3 }, list: [1, 2] };
  const resolve = (value: string, t: Record<string, unknown> | undefined = tags) =>
    compileEnrichment({ key: 'k', value }).resolve('my-hub', t);

  it('stamps static values, the hub name and twin tags', () => {
    expect(resolve('static')).toBe('static');
    expect(resolve('$iothubname')).toBe('my-hub');
    expect(resolve('$twin.tags.site')).toBe('oslo');
    expect(resolve('$twin.tags.Location.Floor')).toBe('3'); // non-strings as JSON
    // Tag keys are case-sensitive, as twin keys are in IoT Hub: another spelling is a missing path.
    expect(resolve('$twin.tags.location.floor')).toBe('$twin.tags.location.floor');
    expect(resolve('$twin.tags.list')).toBe('[1,2]');
  });

  it('stamps a missing twin path as the literal string', () => {
    expect(resolve('$twin.tags.nope')).toBe('$twin.tags.nope');
    expect(compileEnrichment({ key: 'k', value: '$twin.tags.site' }).resolve('h', undefined)).toBe('$twin.tags.site');
  });

  it('marks which enrichments need tags', () => {
    expect(compileEnrichment({ key: 'a', value: '$twin.tags.x' }).usesTwin).toBe(true);
    expect(compileEnrichment({ key: 'a', value: '$iothubname' }).usesTwin).toBe(false);
  });

  it('adds properties to a copy, overwriting same-named ones', () => {
    const env = envelope({ properties: { a: 'device', b: 'kept' } });
    const out = enrichEnvelope(
      env,
      [compileEnrichment({ key: 'a', value: 'hub' }), compileEnrichment({ key: 'c', value: '$iothubname' })],
      'h',
      undefined,
    );
    expect(out.properties).toEqual({ a: 'hub', b: 'kept', c: 'h' });
    expect(env.properties).toEqual({ a: 'device', b: 'kept' });
  });
});
