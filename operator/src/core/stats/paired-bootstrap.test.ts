import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairedBootstrap } from './paired-bootstrap.ts';
import { unpairedBootstrap } from './unpaired-bootstrap.ts';

// Scores in thousandths, as graders give them (bootstrap.test.ts says why not fc.double).
const score = fc.integer({ min: 0, max: 1000 }).map((thousandths) => thousandths / 1000);
const pairs = fc.array(fc.tuple(score, score), { minLength: 1, maxLength: 80 });
const seed = fc.integer({ min: 0, max: 0xffff_ffff });

describe('pairedBootstrap', () => {
  it('is reproducible for a seed and holds the observed difference, with p in (0, 1]', () => {
    fc.assert(
      fc.property(pairs, seed, (items, s) => {
        const a = items.map(([x]) => x);
        const b = items.map(([, y]) => y);
        const result = pairedBootstrap(a, b, { seed: s, resamples: 300 });
        expect(pairedBootstrap(a, b, { seed: s, resamples: 300 })).toEqual(result);
        expect(result.low <= result.difference && result.difference <= result.high).toBe(true);
        expect(result.pValue > 0 && result.pValue <= 1).toBe(true);
      }),
    );
  });

  it('finds no difference between a run and itself', () => {
    const a = [0.2, 0.9, 1, 0, 0.5];
    expect(pairedBootstrap(a, a, { seed: 1 })).toEqual({ difference: 0, low: 0, high: 0, pValue: 1 });
  });

  it('gives the smallest p-value it can when every item moved the same way', () => {
    const b = [0.1, 0.5, 0.3, 0.7];
    const a = b.map((score) => score + 0.25);
    const result = pairedBootstrap(a, b, { seed: 1, resamples: 999 });
    expect(result.pValue).toBe(2 / 1000);
    expect(result.low).toBeCloseTo(0.25, 12);
    expect(result.high).toBeCloseTo(0.25, 12);
  });

  it('sees through how much harder some items are, where an unpaired bootstrap cannot', () => {
    // Items of every difficulty; run A scores 0.05 higher on each but the last, in a fixed pattern.
    const b = Array.from({ length: 200 }, (_, i) => (i % 10) / 10);
    const a = b.map((score, i) => (i === 199 ? score : score + 0.05));
    const paired = pairedBootstrap(a, b, { seed: 7 });
    const unpaired = unpairedBootstrap(a, b, { seed: 7 });
    expect(paired.difference).toBeCloseTo(unpaired.difference, 15);
    expect(paired.high - paired.low).toBeLessThan((unpaired.high - unpaired.low) / 5);
    expect(paired.pValue).toBeLessThan(0.01);
    expect(unpaired.pValue).toBeGreaterThan(0.05);
  });

  it('refuses runs of different lengths and empty runs', () => {
    expect(() => pairedBootstrap([1, 0], [1], { seed: 1 })).toThrow(RangeError);
    expect(() => pairedBootstrap([], [], { seed: 1 })).toThrow(RangeError);
  });
});

describe('unpairedBootstrap', () => {
  it('is reproducible for a seed and holds the observed difference', () => {
    const sample = fc.array(score, { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(sample, sample, seed, (a, b, s) => {
        const result = unpairedBootstrap(a, b, { seed: s, resamples: 300 });
        expect(unpairedBootstrap(a, b, { seed: s, resamples: 300 })).toEqual(result);
        expect(result.low <= result.difference && result.difference <= result.high).toBe(true);
        expect(result.pValue > 0 && result.pValue <= 1).toBe(true);
      }),
    );
  });

  it('refuses an empty run', () => {
    expect(() => unpairedBootstrap([], [1], { seed: 1 })).toThrow(RangeError);
  });
});
