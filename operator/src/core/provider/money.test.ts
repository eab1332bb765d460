import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  average,
  capAmount,
  chargedTokens,
  formatMoney,
  MAX_AMOUNT,
  parseMoney,
  tokenCost,
} from './money.ts';

describe('money', () => {
  it('parses and formats decimal strings exactly', () => {
    expect(formatMoney(parseMoney('12.50'))).toBe('12.5');
    expect(formatMoney(parseMoney('0'))).toBe('0');
    expect(formatMoney(parseMoney('0.000000001'))).toBe('0.000000001');
    expect(() => parseMoney('1e3')).toThrow(/invalid decimal/);
    expect(() => parseMoney('-1')).toThrow(/invalid decimal/);
  });

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), (nanos) => {
        expect(parseMoney(formatMoney(nanos))).toBe(nanos);
      }),
    );
  });

  it('prices tokens per million without floats: 0.1 + 0.2 is 0.3', () => {
    const price = parseMoney('2.50');
    expect(formatMoney(tokenCost(1_000_000, price))).toBe('2.5');
    expect(formatMoney(tokenCost(43_862, price))).toBe('0.109655');
    expect(formatMoney(parseMoney('0.1') + parseMoney('0.2'))).toBe('0.3');
  });

  it('charges any token count a runner reports as a whole number it can hold, never throwing', () => {
    expect(chargedTokens(12.5)).toBe(13);
    expect(chargedTokens(-3)).toBe(0);
    expect(chargedTokens(Number.NaN)).toBe(0);
    expect(chargedTokens(1e300)).toBe(Number.MAX_SAFE_INTEGER);
    expect(chargedTokens(Number.POSITIVE_INFINITY)).toBe(Number.MAX_SAFE_INTEGER);
    const price = parseMoney('999999999999999.999999999');
    expect(tokenCost(Number.POSITIVE_INFINITY, price)).toBe(tokenCost(Number.MAX_SAFE_INTEGER, price));
  });

  it('caps an amount at the largest the API holds, which is still at or above any budget', () => {
    expect(formatMoney(MAX_AMOUNT)).toBe('999999999999999.999999999');
    expect(capAmount(MAX_AMOUNT + 1n)).toBe(MAX_AMOUNT);
    expect(capAmount(5n)).toBe(5n);
    expect(parseMoney(formatMoney(MAX_AMOUNT))).toBe(MAX_AMOUNT);
  });

  it('averages with rounding', () => {
    expect(formatMoney(average(parseMoney('1'), 3))).toBe('0.333333333');
    expect(average(parseMoney('1'), 0)).toBe(0n);
  });
});
