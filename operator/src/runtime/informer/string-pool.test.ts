import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringPool } from './string-pool.ts';

describe('StringPool', () => {
  it('leaves every object equal to what it was', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = structuredClone(value);
        expect(new StringPool({ capacity: 8, maxLength: 16 }).internAll(value)).toEqual(copy);
      }),
    );
  });

  it('gives equal strings of two parsed objects one copy, up to its maximum length', () => {
    const pool = new StringPool({ maxLength: 20 });
    const long = 'x'.repeat(21);
    const json = JSON.stringify({
      labels: { suite: 'suite-1332', managedBy: 'bench-operator' },
      message: long,
    });
    type Parsed = { labels: Record<string, string>; message: string };
    const a = pool.internAll(JSON.parse(json) as Parsed);
    const b = pool.internAll(JSON.parse(json) as Parsed);
    // The second object's strings were found in the pool: it took the first one's; the long one is not pooled.
    expect(pool.size).toBe(2);
    expect(b).toEqual(a);
    expect(a.message).toBe(long);
  });

  it('starts again when full, so strings seen once cannot grow it without end', () => {
    const pool = new StringPool({ capacity: 3 });
    for (let i = 0; i < 10; i++) pool.intern(`uid-${i}`);
    expect(pool.size).toBeLessThanOrEqual(3);
  });
});
