import { jsonDepthExceeds } from './jsonDepth';

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays as levels and scalars as none', () => {
    expect(jsonDepthExceeds(1, 0)).toBe(false);
    expect(jsonDepthExceeds({}, 0)).toBe(true);
    expect(jsonDepthExceeds({ a: [1] }, 2)).toBe(false);
    expect(jsonDepthExceeds({ a: [1] }, 1)).toBe(true);
  });

  it('handles nesting far deeper than the call stack allows', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(jsonDepthExceeds(deep, 32)).toBe(true);
  });
});
