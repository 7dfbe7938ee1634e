import { HubError } from '../errors';
import { applyBulk } from './bulk';
import type { RegistryService } from './registryService';

// Malformed requests are refused before any entry is applied: the registry is never touched.
const untouched = {} as RegistryService;

describe('bulk registry requests', () => {
  it.each([
    ['not an array', { id: 'a' }, /JSON array/],
    ['empty', [], /1-100/],
    ['too many', Array.from({ length: 101 }, (_, i) => ({ id: `d${i}`, importMode: 'create' })), /1-100/],
    ['no id', [{ importMode: 'create' }], /entry 0 needs a string "id"/],
    [
      'unknown mode',
      [
        { id: 'a', importMode: 'create' },
        { id: 'b', importMode: 'upsert' },
      ],
      /entry 1: importMode/,
    ],
    ['etag mode without etag', [{ id: 'a', importMode: 'deleteIfMatchETag' }], /needs an "eTag"/],
  ])('refuses %s with 400 ArgumentInvalid', async (_name, body, message) => {
    const err = await applyBulk(untouched, body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect([(err as HubError).status, (err as HubError).code]).toEqual([400, 'ArgumentInvalid']);
    expect((err as HubError).message).toMatch(message);
  });
});
