import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cohensKappa, type KappaWeights } from './kappa.ts';
import { scaleCategories, type JudgeScale } from './scale.ts';

interface Case {
  name: string;
  scale: JudgeScale;
  weights: KappaWeights;
  labels: number[];
  judge: number[];
  kappa: number;
}

// scikit-learn's cohen_kappa_score on the same ratings (hack/stats/kappa_fixtures.py).
const reference = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/stats/kappa.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const pairs = (a: number[], b: number[]) => a.map((x, i) => [x, b[i]!] as const);

describe('cohensKappa', () => {
  it('is 0.4 for the textbook 2×2 table (20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no)', () => {
    // Observed agreement 35/50 = 0.7; by chance 0.5·0.6 + 0.5·0.4 = 0.5; (0.7 − 0.5) / (1 − 0.5) = 0.4.
    const table = [
      ...Array.from({ length: 20 }, () => [1, 1] as const),
      ...Array.from({ length: 5 }, () => [1, 0] as const),
      ...Array.from({ length: 10 }, () => [0, 1] as const),
      ...Array.from({ length: 15 }, () => [0, 0] as const),
    ];
    const { kappa, agreement } = cohensKappa(table, [0, 1], 'unweighted');
    expect(kappa).toBeCloseTo(0.4, 12);
    expect(agreement).toBe(0.7);
  });

  it('weighs a disagreement by the square of its distance on an ordinal scale', () => {
    // Pairs (1,1) (1,2) (2,3) (3,3): rows 2,1,1, columns 1,1,2. Weighted disagreement 1 + 1 = 2;
    // by chance Σ (i−j)²·row·column / 4 = (2 + 16 + 1 + 2 + 4 + 1) / 4 = 6.5; κ = 1 − 2/6.5 = 9/13.
    const result = cohensKappa(
      [
        [1, 1],
        [1, 2],
        [2, 3],
        [3, 3],
      ],
      [1, 2, 3],
      'quadratic',
    );
    expect(result.kappa).toBeCloseTo(9 / 13, 12);
    expect(result.agreement).toBe(0.5);
  });

  it.each(reference.cases.map((c) => [c.name, c] as const))('agrees with scikit-learn: %s', (_, c) => {
    const { kappa } = cohensKappa(pairs(c.labels, c.judge), scaleCategories(c.scale), c.weights);
    expect(kappa).toBeCloseTo(c.kappa, 12);
  });

  it('is 1 for full agreement and undefined when chance alone agrees fully', () => {
    expect(cohensKappa(pairs([1, 2, 5], [1, 2, 5]), [1, 2, 3, 4, 5], 'quadratic').kappa).toBe(1);
    expect(cohensKappa(pairs([3, 3], [3, 3]), [1, 2, 3, 4, 5], 'quadratic')).toEqual({
      kappa: undefined,
      agreement: 1,
    });
    expect(cohensKappa([], [0, 1], 'unweighted').kappa).toBeUndefined();
  });

  it('refuses a rating off the scale', () => {
    expect(() => cohensKappa([[6, 5]], [1, 2, 3, 4, 5], 'quadratic')).toThrow('rating 6 is not on the scale');
  });
});
