import type { ComparisonMethod, RunComparison } from './compare.ts';

/** What the two runs (and, optionally, what they ran) are called in the sentence. */
export interface ComparisonLabels {
  a: string;
  b: string;
  subject?: string;
}

const METHOD_NAMES: Record<ComparisonMethod, string> = {
  'mcnemar-exact': 'McNemar',
  'paired-bootstrap': 'paired bootstrap',
  'unpaired-bootstrap': 'unpaired bootstrap',
};

/**
 * A comparison as one line for people, numbers to three places, e.g.
 * "mmlu: candidate 0.712 vs production 0.745, −0.033 (95% CI −0.051…−0.015), McNemar p = 0.003",
 * followed, when the runs' items differ, by what that did to the comparison.
 */
export function describeComparison(comparison: RunComparison, labels: ComparisonLabels): string {
  const { confidence, a, b, difference, low, high, pValue, method } = comparison;
  const subject = labels.subject === undefined ? '' : `${labels.subject}: `;
  const level = `${Number((confidence * 100).toFixed(6))}%`;
  const sentence =
    `${subject}${labels.a} ${decimal(a.mean)} vs ${labels.b} ${decimal(b.mean)}, ` +
    `${signed(difference)} (${level} CI ${decimal(low)}…${decimal(high)}), ` +
    `${METHOD_NAMES[method]} ${probability(pValue)}`;
  const differing = itemsDiffering(comparison, labels);
  return differing === undefined ? sentence : `${sentence}; ${differing}`;
}

function itemsDiffering(
  { paired, onlyInA, onlyInB, a }: RunComparison,
  labels: ComparisonLabels,
): string | undefined {
  if (onlyInA === 0 && onlyInB === 0) return undefined;
  const counts = `${items(onlyInA)} only in ${labels.a}, ${items(onlyInB)} only in ${labels.b}`;
  return paired ? `paired on the ${items(a.items)} both have (${counts} left out)` : `not paired: ${counts}`;
}

function items(count: number): string {
  return count === 1 ? '1 item' : `${count} items`;
}

/** Three places, with a true minus sign, and no "−0.000". */
export function decimal(value: number): string {
  const text = value.toFixed(3);
  return Number(text) === 0 ? (0).toFixed(3) : text.replace('-', '−');
}

/** A difference shows its sign either way. */
export function signed(value: number): string {
  const text = decimal(value);
  return Number(value.toFixed(3)) > 0 ? `+${text}` : text;
}

export function probability(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}
