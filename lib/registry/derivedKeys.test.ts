/** Key derivation: deterministic, and different for every seed, id and version. */
import { deriveCredentials, generateSeed } from './derivedKeys';
import { createDevice } from './device';

const SEED = Buffer.alloc(32, 7).toString('base64');

describe('deriveCredentials', () => {
  it('is deterministic per seed, id and version', () => {
    expect(deriveCredentials(SEED, 'd1', 0)).toEqual(deriveCredentials(SEED, 'd1', 0));
  });

  it('differs per id, per version and per seed, and primary from secondary', () => {
    const base = deriveCredentials(SEED, 'd1', 0);
    const others = [
      deriveCredentials(SEED, 'd2', 0),
      deriveCredentials(SEED, 'd1', 1),
      deriveCredentials(generateSeed(), 'd1', 0),
      // The label and the id are separated: "primary:a:b:0" must not collide with id "a:b".
      deriveCredentials(SEED, 'd1:0', 0),
    ];
    for (const other of others) {
      expect(other.primaryKey).not.toBe(base.primaryKey);
      expect(other.secondaryKey).not.toBe(base.secondaryKey);
      expect(other.generationId).not.toBe(base.generationId);
    }
    expect(base.primaryKey).not.toBe(base.secondaryKey);
  });

  it('gives keys the registry accepts as device keys and a UUID-shaped generationId, like a random device', () => {
    const d = deriveCredentials(SEED, 'd1', 0);
    expect(Buffer.from(d.primaryKey, 'base64')).toHaveLength(32);
    expect(d.generationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The keys pass the same validation as caller keys.
    const device = createDevice(
      'd1',
      { authentication: { symmetricKey: { primaryKey: d.primaryKey, secondaryKey: d.secondaryKey } } },
      new Date(),
    );
    expect(device.authentication.symmetricKey.primaryKey).toBe(d.primaryKey);
  });

  it('creates a device with the derived keys only for an input that leaves both keys empty', () => {
    const d = deriveCredentials(SEED, 'd1', 0);
    const device = createDevice('d1', {}, new Date(), d);
    expect(device).toMatchObject({
      generationId: d.generationId,
      authentication: { symmetricKey: { primaryKey: d.primaryKey, secondaryKey: d.secondaryKey } },
    });
    expect(() => createDevice('d1', { authentication: { symmetricKey: { primaryKey: d.primaryKey } } }, new Date(), d)).toThrow();
  });
});
