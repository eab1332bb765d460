import { checkConfidence, checkScore } from './arguments.ts';
import { mcnemarExactPValue } from './mcnemar.ts';
import { newcombePairedInterval } from './newcombe-paired.ts';
import { pairedBootstrap } from './paired-bootstrap.ts';
import { DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, mean } from './resampling.ts';
import { unpairedBootstrap } from './unpaired-bootstrap.ts';

/** One run's outcome per item, by item id: right or wrong (true/false, 1/0) or a score in [0, 1]. */
export type ItemOutcomes = Readonly<Record<string, number | boolean>>;

export interface CompareOptions {
  /** 0.95 by default. */
  confidence?: number;
  /** The bootstrap's seed, when one is drawn; fixed by default, so a verdict can be recomputed. */
  seed?: number;
  /** The bootstrap's resamples; 2000 by default. */
  resamples?: number;
  /**
   * When the runs' items differ: pair them on the items both have, leaving the others out (and
   * counting them), rather than compare everything unpaired. Off by default, so a comparison is
   * paired exactly when both runs cover the same items.
   */
  pairCommonItems?: boolean;
}

const DEFAULT_COMPARISON_SEED = 19;

/** The test behind a comparison's p-value; the paired ones need both runs on the same items. */
export type ComparisonMethod = 'mcnemar-exact' | 'paired-bootstrap' | 'unpaired-bootstrap';

export interface RunComparison {
  paired: boolean;
  method: ComparisonMethod;
  /** How low and high were found: Newcombe's paired interval, or the bootstrap's percentiles. */
  interval: 'newcombe-paired' | 'bootstrap-percentile';
  confidence: number;
  /** Each run's mean score over the items compared, and how many those were. */
  a: { mean: number; items: number };
  b: { mean: number; items: number };
  /** a.mean − b.mean, with its interval at `confidence` and the two-sided p-value of no difference. */
  difference: number;
  low: number;
  high: number;
  pValue: number;
  /** Items one run has and the other has not: left out of a paired comparison. */
  onlyInA: number;
  onlyInB: number;
}

/**
 * Compares run A with run B, item by item where it can. When both cover the same items the
 * comparison is paired, which cancels how hard each item is: right/wrong outcomes get McNemar's
 * exact test and Newcombe's paired interval, graded scores a paired bootstrap. When the items
 * differ it is an unpaired bootstrap of the two means over all of each run's items, and says so
 * (`paired: false`, the counts of items only one run has), unless `pairCommonItems` asks for a
 * paired comparison of the items both have.
 */
export function compareRuns(a: ItemOutcomes, b: ItemOutcomes, options: CompareOptions = {}): RunComparison {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  checkConfidence(confidence);
  const bootstrap = {
    seed: options.seed ?? DEFAULT_COMPARISON_SEED,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    confidence,
  };
  const scoresA = scoresOf('A', a);
  const scoresB = scoresOf('B', b);
  if (scoresA.size === 0 || scoresB.size === 0)
    throw new RangeError('a run with no items cannot be compared');
  const common = [...scoresA.keys()].filter((id) => scoresB.has(id));
  const onlyInA = scoresA.size - common.length;
  const onlyInB = scoresB.size - common.length;
  const paired = common.length > 0 && ((onlyInA === 0 && onlyInB === 0) || options.pairCommonItems === true);

  if (!paired) {
    const valuesA = [...scoresA.values()];
    const valuesB = [...scoresB.values()];
    return {
      paired,
      method: 'unpaired-bootstrap',
      interval: 'bootstrap-percentile',
      confidence,
      a: { mean: mean(valuesA), items: valuesA.length },
      b: { mean: mean(valuesB), items: valuesB.length },
      ...unpairedBootstrap(valuesA, valuesB, bootstrap),
      onlyInA,
      onlyInB,
    };
  }
  const valuesA = common.map((id) => scoresA.get(id)!);
  const valuesB = common.map((id) => scoresB.get(id)!);
  const sides = {
    a: { mean: mean(valuesA), items: common.length },
    b: { mean: mean(valuesB), items: common.length },
  };
  if ([...valuesA, ...valuesB].every((score) => score === 0 || score === 1)) {
    const outcomes = { bothRight: 0, onlyA: 0, onlyB: 0, bothWrong: 0 };
    valuesA.forEach((score, i) => {
      const right = score === 1;
      const rightInB = valuesB[i] === 1;
      if (right && rightInB) outcomes.bothRight++;
      else if (right) outcomes.onlyA++;
      else if (rightInB) outcomes.onlyB++;
      else outcomes.bothWrong++;
    });
    return {
      paired,
      method: 'mcnemar-exact',
      interval: 'newcombe-paired',
      confidence,
      ...sides,
      ...newcombePairedInterval(outcomes, confidence),
      pValue: mcnemarExactPValue(outcomes.onlyA, outcomes.onlyB),
      onlyInA,
      onlyInB,
    };
  }
  return {
    paired,
    method: 'paired-bootstrap',
    interval: 'bootstrap-percentile',
    confidence,
    ...sides,
    ...pairedBootstrap(valuesA, valuesB, bootstrap),
    onlyInA,
    onlyInB,
  };
}

/**
 * A run's scores as numbers, in item-id order: sorted by code unit, not by locale, so the
 * bootstrap draws the same items whatever order the outcomes were recorded in, on any machine.
 */
function scoresOf(run: string, outcomes: ItemOutcomes): Map<string, number> {
  const ids = Object.keys(outcomes).sort();
  return new Map(
    ids.map((id) => {
      const outcome = outcomes[id]!;
      const score = typeof outcome === 'boolean' ? Number(outcome) : outcome;
      checkScore(`run ${run}'s outcome for item ${id}`, score);
      return [id, score];
    }),
  );
}
