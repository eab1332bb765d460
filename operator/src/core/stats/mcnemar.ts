import { checkCount } from './arguments.ts';

/**
 * McNemar's exact test for two runs scored right or wrong on the same items: of the discordant
 * items, `onlyA` were right in A only and `onlyB` in B only; if neither run is better, each
 * discordant item is a fair coin, so the two-sided p-value is the exact binomial test of
 * onlyA out of onlyA + onlyB at 1/2 (scipy.stats.binomtest(b, b + c, 0.5), statsmodels'
 * mcnemar(exact=True)). Items both got right or both got wrong say nothing about which is better.
 *
 * The binomial probabilities are summed in log space, each from the one before (the ratio of
 * neighbouring terms is (n − i + 1) / i), so tens of thousands of discordant items neither
 * overflow nor lose the small tail. No discordant items: p = 1. A p-value below about 1e-308
 * (a thousand or more discordant items all one way) is returned as 0.
 */
export function mcnemarExactPValue(onlyA: number, onlyB: number): number {
  checkCount('onlyA', onlyA);
  checkCount('onlyB', onlyB);
  const n = onlyA + onlyB;
  const smaller = Math.min(onlyA, onlyB);
  if (2 * smaller === n) return 1;
  // log P(X = i) for X ~ Binomial(n, 1/2), i = 0 … smaller; increasing, since smaller < n / 2.
  const logTerms = [-n * Math.LN2];
  for (let i = 1; i <= smaller; i++) logTerms.push(logTerms[i - 1]! + Math.log((n - i + 1) / i));
  const largest = logTerms[smaller]!;
  const relativeSum = logTerms.reduce((sum, logTerm) => sum + Math.exp(logTerm - largest), 0);
  // The distribution is symmetric: the other tail is the same size.
  return Math.min(1, Math.exp(largest + Math.log(2 * relativeSum)));
}
