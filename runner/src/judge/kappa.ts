/**
 * Cohen's kappa: how far two raters (a judge and the humans who labelled the items) agree beyond
 * what their own rating frequencies would give by chance. Unweighted for a pass/fail scale, where
 * every disagreement is as bad; quadratic-weighted for an ordinal scale, where rating 4 for a 5 is
 * a smaller disagreement than rating 1 for it.
 */

export type KappaWeights = 'unweighted' | 'quadratic';

export interface Agreement {
  /** Kappa; undefined when chance alone would agree fully (both raters gave one and the same rating). */
  kappa: number | undefined;
  /** The share of pairs rated the same. */
  agreement: number;
}

/**
 * Kappa over rating pairs on a scale of `categories` (in their order: the weights are by position),
 * as sklearn's cohen_kappa_score with `labels=categories`. Every rating must be one of the categories.
 */
export function cohensKappa(
  pairs: readonly (readonly [number, number])[],
  categories: readonly number[],
  weights: KappaWeights,
): Agreement {
  const k = categories.length;
  const position = new Map(categories.map((category, i) => [category, i]));
  const observed = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const [a, b] of pairs) {
    const i = position.get(a);
    const j = position.get(b);
    if (i === undefined || j === undefined)
      throw new RangeError(`rating ${i === undefined ? a : b} is not on the scale`);
    observed[i]![j]!++;
  }
  const n = pairs.length;
  if (n === 0) return { kappa: undefined, agreement: 0 };
  const rows = observed.map((row) => row.reduce((sum, count) => sum + count, 0));
  const columns = categories.map((_, j) => observed.reduce((sum, row) => sum + row[j]!, 0));
  const weight = (i: number, j: number) => (weights === 'quadratic' ? (i - j) ** 2 : i === j ? 0 : 1);
  let disagreement = 0;
  let chance = 0;
  let same = 0;
  for (let i = 0; i < k; i++) {
    same += observed[i]![i]!;
    for (let j = 0; j < k; j++) {
      disagreement += weight(i, j) * observed[i]![j]!;
      chance += (weight(i, j) * rows[i]! * columns[j]!) / n;
    }
  }
  return { kappa: chance === 0 ? undefined : 1 - disagreement / chance, agreement: same / n };
}
