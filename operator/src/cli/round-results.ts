// A suite's finished round as benchctl results shows it, from its BenchmarkRound record: which
// record to show, the runs as rows (table, JSON, CSV), and two targets compared benchmark by
// benchmark.
import type { BenchmarkRoundSpec, RoundRun } from '../api/index.ts';
import { compareRuns, type ItemOutcomes, type RunComparison } from '../core/stats/compare.ts';
import { describeComparison } from '../core/stats/describe-comparison.ts';
import { CORRECT_ITEMS_METRIC } from '../core/suite/correct-share.ts';
import { findingError } from './errors.ts';

/** What every unpaired comparison of counts says, so no one reads it as a paired test. */
export const UNPAIRED_NOTE = 'unpaired (per-item outcomes not recorded)';

const NONE = '—';

/** A BenchmarkRound as read here: its spec. */
export interface RoundRecord {
  spec: BenchmarkRoundSpec;
}

/**
 * The record of round `round`, else of the suite's latest recorded round. A suite without one, or
 * without that round, is a finding whose message names the rounds there are.
 */
export function pickRound(suite: string, records: RoundRecord[], round?: number): RoundRecord {
  const rounds = records.map((r) => r.spec.round).sort((a, b) => a - b);
  if (rounds.length === 0) {
    throw findingError(`BenchmarkSuite ${suite} has no finished round recorded (no BenchmarkRound)`);
  }
  const wanted = round ?? rounds.at(-1)!;
  const record = records.find((r) => r.spec.round === wanted);
  if (!record) {
    throw findingError(
      `BenchmarkSuite ${suite} has no record of round ${wanted}; recorded rounds: ${rounds.join(', ')}`,
    );
  }
  return record;
}

/** One run as a row of results: the fields the table, JSON and CSV share. */
export interface ResultRow {
  run: string;
  benchmark: string;
  target: string;
  provider: string | null;
  model: string | null;
  state: string;
  score: number | null;
  /** Wilson's 95% interval of the score, when the result said how many items it was over. */
  low: number | null;
  high: number | null;
  items: number | null;
  cost: string | null;
}

export function resultRow(run: RoundRun): ResultRow {
  return {
    run: run.name,
    benchmark: run.benchmark,
    target: run.target,
    provider: run.provider ?? null,
    model: run.model ?? null,
    state: run.state,
    score: run.result?.score ?? null,
    low: run.interval?.low ?? null,
    high: run.interval?.high ?? null,
    items: run.interval?.items ?? null,
    cost: run.result?.cost ?? null,
  };
}

const places = (value: number | null) => (value === null ? NONE : value.toFixed(3));

export const RESULT_HEADER = ['BENCHMARK', 'TARGET', 'MODEL', 'STATE', 'SCORE', '95% CI', 'ITEMS', 'COST'];

/** A row of the table for people: scores to three places, "—" where there is nothing. */
export function resultCells(row: ResultRow): string[] {
  return [
    row.benchmark,
    row.target,
    row.model ?? NONE,
    row.state,
    places(row.score),
    row.low === null || row.high === null ? NONE : `${places(row.low)}–${places(row.high)}`,
    row.items === null ? NONE : String(row.items),
    row.cost ?? NONE,
  ];
}

/** The line under the table: which round, of which revision, and how it ended. */
export function roundLine(record: RoundRecord): string {
  const { round, sourceRevision, phase, progress } = record.spec;
  return `round ${round}  revision ${sourceRevision ?? NONE}  phase ${phase}${progress ? `  ${progress} runs succeeded` : ''}`;
}

/** Two targets' runs of one benchmark, compared; or why they cannot be. */
export interface ComparisonRow {
  benchmark: string;
  a: string;
  b: string;
  possible: boolean;
  /** The verdict line when possible, else why not. */
  text: string;
  paired: false | null;
  method: RunComparison['method'] | null;
  difference: number | null;
  low: number | null;
  high: number | null;
  pValue: number | null;
}

/** The correct items of a run with an interval: the runner's count, else the score's share of the items. */
function correctItems(run: RoundRun, items: number): number {
  const counted = run.result?.metrics?.[CORRECT_ITEMS_METRIC];
  if (counted !== undefined && Number.isSafeInteger(counted) && counted >= 0 && counted <= items)
    return counted;
  return Math.round((run.result?.score ?? 0) * items);
}

/**
 * Outcomes standing for the counts: `correct` items right of `items`, under ids of this run alone,
 * so compareRuns sees no common items and compares the two proportions unpaired.
 */
function outcomesOfCounts(side: string, correct: number, items: number): ItemOutcomes {
  return Object.fromEntries(Array.from({ length: items }, (_, i) => [`${side}${i}`, i < correct]));
}

const notPossible = (benchmark: string, a: string, b: string, why: string): ComparisonRow => ({
  benchmark,
  a,
  b,
  possible: false,
  text: `${benchmark}: ${a} vs ${b}: comparison not possible: ${why}`,
  paired: null,
  method: null,
  difference: null,
  low: null,
  high: null,
  pValue: null,
});

/** Why a run cannot take part in a comparison of counts, or undefined when it can. */
function whyNot(run: RoundRun): string | undefined {
  if (run.state !== 'Succeeded') return `${run.target}'s run ${run.state.toLowerCase()}`;
  if (!run.interval || run.interval.items < 1)
    return `${run.target}'s result does not say how many items were correct (no correctItems and answeredItems)`;
  return undefined;
}

/**
 * Targets a and b compared on each benchmark both ran in the round, in the round's order. The
 * record keeps counts, not per-item outcomes, so each comparison is of two proportions, unpaired.
 */
export function compareTargets(record: RoundRecord, a: string, b: string): ComparisonRow[] {
  const runs = record.spec.runs ?? [];
  const benchmarks = [...new Set(runs.map((r) => r.benchmark))];
  const rows: ComparisonRow[] = [];
  for (const benchmark of benchmarks) {
    const runA = runs.find((r) => r.benchmark === benchmark && r.target === a);
    const runB = runs.find((r) => r.benchmark === benchmark && r.target === b);
    if (!runA || !runB) continue;
    const why = whyNot(runA) ?? whyNot(runB);
    if (why !== undefined) {
      rows.push(notPossible(benchmark, a, b, why));
      continue;
    }
    const itemsA = runA.interval!.items;
    const itemsB = runB.interval!.items;
    const comparison = compareRuns(
      outcomesOfCounts('a', correctItems(runA, itemsA), itemsA),
      outcomesOfCounts('b', correctItems(runB, itemsB), itemsB),
    );
    // The item ids were made up, so "items only in A" would mislead: the note says what happened.
    const verdict = describeComparison(
      { ...comparison, onlyInA: 0, onlyInB: 0 },
      { a, b, subject: benchmark },
    );
    rows.push({
      benchmark,
      a,
      b,
      possible: true,
      text: `${verdict}; ${UNPAIRED_NOTE}`,
      paired: false,
      method: comparison.method,
      difference: comparison.difference,
      low: comparison.low,
      high: comparison.high,
      pValue: comparison.pValue,
    });
  }
  return rows;
}

/** -o json: one object, stable for scripts. */
export function resultsJson(record: RoundRecord, comparisons?: ComparisonRow[]) {
  return {
    suite: record.spec.suite,
    round: record.spec.round,
    sourceRevision: record.spec.sourceRevision ?? null,
    phase: record.spec.phase,
    runs: (record.spec.runs ?? []).map(resultRow),
    ...(comparisons ? { comparisons } : {}),
  };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Records as CSV (RFC 4180): a header of the keys, then one line per record, CRLF line ends. */
export function csv<T extends object>(rows: T[], header: (keyof T & string)[]): string {
  const line = (cells: (string | number | boolean | null)[]) => `${cells.map(csvField).join(',')}\r\n`;
  return (
    line(header) +
    rows.map((row) => line(header.map((key) => row[key] as string | number | boolean | null))).join('')
  );
}

export const RESULT_CSV_COLUMNS: (keyof ResultRow)[] = [
  'run',
  'benchmark',
  'target',
  'provider',
  'model',
  'state',
  'score',
  'low',
  'high',
  'items',
  'cost',
];

export const COMPARISON_CSV_COLUMNS: (keyof ComparisonRow)[] = [
  'benchmark',
  'a',
  'b',
  'possible',
  'paired',
  'method',
  'difference',
  'low',
  'high',
  'pValue',
  'text',
];
