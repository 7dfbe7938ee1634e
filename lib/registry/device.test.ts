import fc from 'fast-check';
import { createDevice, parseDeviceInput, updateDevice, validateDeviceId } from './device';

const now = new Date('2026-01-01T00:00:00Z');

describe('device identities', () => {
  it('accepts IoT Hub device ids and rejects others', () => {
    for (const id of ['a', 'dev-1', "x.%_*?!(),:=@$'", 'A'.repeat(128)]) expect(validateDeviceId(id)).toBe(id);
    for (const id of ['', 'A'.repeat(129), 'has space', 'slash/no', 'ümlaut', 'a#b'])
      expect(() => validateDeviceId(id)).toThrow(/Device id/);
  });
  it('generates distinct 32-byte keys and a generation id', () => {
    const d = createDevice('d1', {}, now);
    const { primaryKey, secondaryKey } = d.authentication.symmetricKey;
    expect(Buffer.from(primaryKey, 'base64')).toHaveLength(32);
    expect(primaryKey).not.toBe(secondaryKey);
    expect(d.status).toBe('enabled');
    expect(createDevice('d1', {}, now).generationId).not.toBe(d.generationId);
  });
  it('generates the keys a create leaves empty, as IoT Hub does (the Azure SDK sends "")', () => {
    const input = { authentication: { symmetricKey: { primaryKey: '', secondaryKey: '' } } };
    const { primaryKey, secondaryKey } = createDevice('d1', input, now).authentication.symmetricKey;
    expect(Buffer.from(primaryKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(secondaryKey, 'base64')).toHaveLength(32);
    const existing = createDevice('d1', {}, now);
    expect(updateDevice(existing, input, now).authentication.symmetricKey).toEqual(existing.authentication.symmetricKey);
  });
  it('validates supplied keys, status and tags', () => {
    expect(() => createDevice('d1', { authentication: { symmetricKey: { primaryKey: 'not base64!' } } }, now)).toThrow(/base64/);
    expect(() => createDevice('d1', { authentication: { symmetricKey: { primaryKey: 'AAAA' } } }, now)).toThrow(/16-64/);
    expect(() => createDevice('d1', { status: 'off' }, now)).toThrow(/status/);
    expect(() => createDevice('d1', { tags: [1] }, now)).toThrow(/tags/);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(createDevice('d1', { authentication: { symmetricKey: { primaryKey: key } } }, now).authentication.symmetricKey.primaryKey).toBe(
      key,
    );
  });
  it('updates keep identity and change the etag', () => {
    const d = createDevice('d1', { tags: { a: 1 } }, now);
    const u = updateDevice(d, { status: 'disabled', statusReason: 'stolen' }, new Date('2026-01-02T00:00:00Z'));
    expect(u.generationId).toBe(d.generationId);
    expect(u.etag).not.toBe(d.etag);
    expect(u.status).toBe('disabled');
    expect(u.statusReason).toBe('stolen');
    expect(u.tags).toEqual({ a: 1 });
    expect(u.statusUpdatedTime).toBe('2026-01-02T00:00:00.000Z');
  });
  it('parses request bodies and never throws anything but a 400', () => {
    expect(() => parseDeviceInput('{', 'd')).toThrow(/JSON/);
    expect(() => parseDeviceInput('{"deviceId":"x"}', 'd')).toThrow(/match/);
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseDeviceInput(s, 'd');
        } catch (err) {
          expect((err as { status?: number }).status).toBe(400);
        }
      }),
    );
  });
});
