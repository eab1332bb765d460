import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareRuns, type ItemOutcomes } from './compare.ts';
import { mcnemarExactPValue } from './mcnemar.ts';
import { newcombePairedInterval } from './newcombe-paired.ts';

/** A run over items item-0 … item-(n−1) with these outcomes. */
function run(outcomes: ReadonlyArray<number | boolean>, prefix = 'item'): Record<string, number | boolean> {
  return Object.fromEntries(outcomes.map((outcome, i) => [`${prefix}-${i}`, outcome]));
}

/** A run of n items: the first `right` right, the rest wrong. */
const rightFirst = (right: number, n: number) => Array.from({ length: n }, (_, i) => i < right);

describe('compareRuns', () => {
  it('compares right/wrong outcomes on the same items with McNemar and Newcombe', () => {
    // 4 items right in both, 1 right only in A, 3 right only in B, 2 wrong in both.
    const a = run([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    const b = run([1, 1, 1, 1, 0, 1, 1, 1, 0, 0]);
    const comparison = compareRuns(a, b);
    expect(comparison).toMatchObject({
      paired: true,
      method: 'mcnemar-exact',
      interval: 'newcombe-paired',
      confidence: 0.95,
      a: { mean: 0.5, items: 10 },
      b: { mean: 0.7, items: 10 },
      pValue: mcnemarExactPValue(1, 3),
      onlyInA: 0,
      onlyInB: 0,
    });
    const { difference, low, high } = newcombePairedInterval({
      bothRight: 4,
      onlyA: 1,
      onlyB: 3,
      bothWrong: 2,
    });
    expect(comparison).toMatchObject({ difference, low, high });
  });

  it('takes true/false as 1/0', () => {
    const numbers = compareRuns(run([1, 0, 1, 1]), run([0, 0, 1, 1]));
    expect(compareRuns(run([true, false, true, true]), run([false, false, true, true]))).toEqual(numbers);
  });

  it('compares graded scores on the same items with a paired bootstrap, the same each time', () => {
    const a = run([0.5, 1, 0.75, 0.2, 0.9, 0.6]);
    const b = run([0.4, 1, 0.5, 0.2, 0.7, 0.6]);
    const comparison = compareRuns(a, b, { seed: 5 });
    expect(comparison).toMatchObject({
      paired: true,
      method: 'paired-bootstrap',
      interval: 'bootstrap-percentile',
    });
    expect(comparison.difference).toBeCloseTo(0.55 / 6, 15);
    expect(compareRuns(a, b, { seed: 5 })).toEqual(comparison);
  });

  it('does not depend on the order the items were recorded in', () => {
    const a = { x: 0.5, y: 1, z: 0.25 };
    const b = { z: 0, y: 0.5, x: 0.5 };
    expect(compareRuns(a, b)).toEqual(compareRuns({ z: 0.25, x: 0.5, y: 1 }, { x: 0.5, z: 0, y: 0.5 }));
  });

  it('compares runs over different items unpaired, and counts the items only one has', () => {
    const a = { ...run(rightFirst(6, 10)), extra: true };
    const b = run(rightFirst(3, 8), 'other');
    const comparison = compareRuns(a, b);
    expect(comparison).toMatchObject({
      paired: false,
      method: 'unpaired-bootstrap',
      a: { mean: 7 / 11, items: 11 },
      b: { mean: 3 / 8, items: 8 },
      onlyInA: 11,
      onlyInB: 8,
    });
  });

  it('pairs on the items both have when asked, leaving the others out and counting them', () => {
    const a = { ...run(rightFirst(6, 10)), extra: false, more: true };
    const b = { ...run(rightFirst(4, 10)), other: true };
    const comparison = compareRuns(a, b, { pairCommonItems: true });
    expect(comparison).toMatchObject({
      paired: true,
      method: 'mcnemar-exact',
      a: { mean: 0.6, items: 10 },
      b: { mean: 0.4, items: 10 },
      pValue: mcnemarExactPValue(2, 0),
      onlyInA: 2,
      onlyInB: 1,
    });
    expect(compareRuns(a, b).paired).toBe(false);
  });

  it('is paired exactly when both runs cover the same items', () => {
    const ids = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1 });
    const outcomes = (keys: string[]) =>
      fc
        .tuple(...keys.map(() => fc.boolean()))
        .map((values) => Object.fromEntries(keys.map((key, i) => [key, values[i]!])));
    fc.assert(
      fc.property(ids.chain(outcomes), ids.chain(outcomes), (a: ItemOutcomes, b: ItemOutcomes) => {
        const keysA = Object.keys(a).sort();
        const keysB = Object.keys(b).sort();
        const comparison = compareRuns(a, b, { resamples: 200 });
        expect(comparison.paired).toBe(keysA.join() === keysB.join());
        expect(comparison.method === 'mcnemar-exact').toBe(comparison.paired);
        expect(comparison.onlyInA).toBe(keysA.filter((key) => !keysB.includes(key)).length);
        expect(comparison.onlyInB).toBe(keysB.filter((key) => !keysA.includes(key)).length);
      }),
    );
  });

  it('finds no difference between a run and itself, and mirrors itself when the runs swap', () => {
    const outcomes = fc.array(fc.boolean(), { minLength: 1, maxLength: 200 });
    fc.assert(
      fc.property(outcomes, outcomes, (first, second) => {
        const a = run(first);
        expect(compareRuns(a, a)).toMatchObject({ difference: 0, pValue: 1 });
        const length = Math.min(first.length, second.length);
        const [x, y] = [run(first.slice(0, length)), run(second.slice(0, length))];
        const forward = compareRuns(x, y);
        const backward = compareRuns(y, x);
        expect(backward.difference).toBeCloseTo(-forward.difference, 14);
        expect(backward.low).toBeCloseTo(-forward.high, 12);
        expect(backward.high).toBeCloseTo(-forward.low, 12);
        expect(backward.pValue).toBe(forward.pValue);
      }),
    );
  });

  it('refuses an empty run and outcomes that are not scores', () => {
    expect(() => compareRuns({}, { x: 1 })).toThrow(RangeError);
    expect(() => compareRuns({ x: 1.5 }, { x: 1 })).toThrow(/item x/);
    expect(() => compareRuns({ x: Number.NaN }, { x: 1 })).toThrow(RangeError);
    expect(() => compareRuns({ x: 1 }, { x: 1 }, { confidence: 2 })).toThrow(RangeError);
  });
});
