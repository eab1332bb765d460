import { checkCount } from './arguments.ts';
import { wilsonInterval } from './wilson.ts';

/** Two runs scored right or wrong on the same items, counted by how the pair of answers went. */
export interface PairedOutcomes {
  bothRight: number;
  /** Right in A, wrong in B. */
  onlyA: number;
  /** Wrong in A, right in B. */
  onlyB: number;
  bothWrong: number;
}

export interface DifferenceInterval {
  /** A's proportion right minus B's. */
  difference: number;
  low: number;
  high: number;
}

/**
 * Newcombe's interval for the difference of two paired proportions (method 10 of Newcombe 1998,
 * "Improved confidence intervals for the difference between binomial proportions based on
 * paired data", Statistics in Medicine 17:2635-2650; the "square-and-add" interval of Fagerland,
 * Lydersen & Laake, Statistical Analysis of Contingency Tables, 2017, chapter 8). It combines the
 * Wilson intervals of the two proportions, allowing for their correlation across items, and so
 * behaves well near 0 and 1 where the textbook Wald interval does not.
 */
export function newcombePairedInterval(outcomes: PairedOutcomes, confidence = 0.95): DifferenceInterval {
  const { bothRight, onlyA, onlyB, bothWrong } = outcomes;
  checkCount('bothRight', bothRight);
  checkCount('onlyA', onlyA);
  checkCount('onlyB', onlyB);
  checkCount('bothWrong', bothWrong);
  const n = bothRight + onlyA + onlyB + bothWrong;
  if (n === 0) throw new RangeError('no items to compare');
  const rightA = bothRight + onlyA;
  const rightB = bothRight + onlyB;
  const a = wilsonInterval(rightA, n, confidence);
  const b = wilsonInterval(rightB, n, confidence);
  const pA = rightA / n;
  const pB = rightB / n;
  const phi = correlation(outcomes, n);
  const below = squareAndAdd(pA - a.low, b.high - pB, phi);
  const above = squareAndAdd(a.high - pA, pB - b.low, phi);
  const difference = pA - pB;
  return { difference, low: difference - below, high: difference + above };
}

/** The two margins' distances combined as a correlated sum of squares. */
function squareAndAdd(first: number, second: number, phi: number): number {
  // Never negative in exact arithmetic (|phi| ≤ 1); the max keeps rounding from making it so.
  return Math.sqrt(Math.max(0, first * first - 2 * phi * first * second + second * second));
}

/**
 * The paper's estimate of the correlation between the two runs' answers (the phi coefficient),
 * with its continuity correction of a positive one, and 0 when a margin is empty.
 */
function correlation({ bothRight, onlyA, onlyB, bothWrong }: PairedOutcomes, n: number): number {
  const margins = (bothRight + onlyA) * (onlyB + bothWrong) * (bothRight + onlyB) * (onlyA + bothWrong);
  if (margins === 0) return 0;
  const excess = bothRight * bothWrong - onlyA * onlyB;
  const corrected = excess > n / 2 ? excess - n / 2 : Math.min(0, excess);
  return corrected / Math.sqrt(margins);
}
