import { describe, expect, it } from 'vitest';
import { parseQuantity, requestsAboveLimits } from './quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['2Gi', 2 * 2 ** 30],
    ['1.5G', 1.5e9],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['100Ki', 102400],
  ])('%s', (text, value) => expect(parseQuantity(text)).toBeCloseTo(value));

  it.each(['', 'abc', '2GB', '1..2'])('rejects %j', (text) =>
    expect(() => parseQuantity(text)).toThrow(/invalid quantity/),
  );
});

describe('requestsAboveLimits', () => {
  it('names the resources whose request exceeds the limit', () => {
    expect(
      requestsAboveLimits({ requests: { cpu: '2', memory: '3Gi' }, limits: { cpu: '2000m', memory: '2Gi' } }),
    ).toEqual(['memory']);
    expect(requestsAboveLimits({ requests: { cpu: '1' } })).toEqual([]);
  });
});
