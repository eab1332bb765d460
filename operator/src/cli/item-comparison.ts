// benchctl results --compare A B --items: two targets' runs compared item by item from the items
// their runs wrote to the artifact store (docs/results.md#artifacts) instead of from the record,
// so that runs sharded differently, or that failed on some items, still pair on what both answered.
import type { RoundRun } from '../api/index.ts';
import { compareRuns, type ItemOutcomes } from '../core/stats/compare.ts';
import { describeComparison } from '../core/stats/describe-comparison.ts';
import { findingError } from './errors.ts';
import { notPossible, runPairs, type ComparisonRow, type RoundRecord } from './round-results.ts';

/** A run's items.jsonl records, all shards': bench-runner's per-item results. */
export type ItemRecords = readonly Record<string, unknown>[];

/**
 * What identifies an item across runs: its dataset id, else its dataset line, as bench-runner
 * digests a shard's items (runner/src/evaluate/outcomes.ts), so that both say the same.
 */
function itemKey(item: Record<string, unknown>): string | undefined {
  if (typeof item.id === 'string' || typeof item.id === 'number') return String(item.id);
  if (typeof item.line === 'number') return `line ${item.line}`;
  return undefined;
}

/**
 * A run's right/wrong outcome per item, by item key. An item that failed, or was not scored, has
 * no outcome: it is left out, and the comparison pairs on the items both runs answered.
 */
export function itemOutcomes(run: string, items: ItemRecords): ItemOutcomes {
  const outcomes: Record<string, boolean> = {};
  for (const [index, item] of items.entries()) {
    if (item.status === 'failed' || typeof item.correct !== 'boolean') continue;
    const key = itemKey(item);
    if (key === undefined) {
      throw findingError(
        `run ${run}: item ${index + 1} of its items.jsonl has neither an id nor a dataset line`,
      );
    }
    if (key in outcomes) {
      throw findingError(
        `run ${run}: two items are "${key}" (items are paired by their dataset id, which must be unique)`,
      );
    }
    outcomes[key] = item.correct;
  }
  return outcomes;
}

/** One run and its items. */
export interface RunItems {
  run: Pick<RoundRun, 'name' | 'target'>;
  items: ItemRecords;
}

/** Two runs of one benchmark compared from their items, paired on the items both answered. */
export function compareItems(benchmark: string, sideA: RunItems, sideB: RunItems): ComparisonRow {
  const [a, b] = [sideA.run.target, sideB.run.target];
  const outcomes = [sideA, sideB].map((side) => itemOutcomes(side.run.name, side.items));
  const unscored = [sideA, sideB].find((_, i) => Object.keys(outcomes[i]!).length === 0);
  if (unscored) {
    return notPossible(benchmark, a, b, `${unscored.run.target}'s run has no scored item in its artifacts`);
  }
  const comparison = compareRuns(outcomes[0]!, outcomes[1]!, { pairCommonItems: true });
  return {
    benchmark,
    a,
    b,
    possible: true,
    text: describeComparison(comparison, { a, b, subject: benchmark }),
    paired: comparison.paired,
    method: comparison.method,
    difference: comparison.difference,
    low: comparison.low,
    high: comparison.high,
    pValue: comparison.pValue,
  };
}

/**
 * Targets a and b compared on each benchmark both ran in the round, from the items `readItems`
 * gives for each run (every shard's). A run that did not succeed, or has no score, is not read.
 */
export async function compareTargetsByItems(
  record: RoundRecord,
  a: string,
  b: string,
  readItems: (run: RoundRun) => Promise<ItemRecords>,
): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  for (const { benchmark, runA, runB, whyNot } of runPairs(record, a, b)) {
    if (whyNot !== undefined) {
      rows.push(notPossible(benchmark, a, b, whyNot));
      continue;
    }
    const sideA = { run: runA, items: await readItems(runA) };
    const sideB = { run: runB, items: await readItems(runB) };
    rows.push(compareItems(benchmark, sideA, sideB));
  }
  return rows;
}
