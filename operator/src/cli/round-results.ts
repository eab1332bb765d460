// A suite's finished round as benchctl results shows it, from its BenchmarkRound record: which
// record to show, the runs as rows (table, JSON, CSV), and two targets compared benchmark by
// benchmark.
import type { BenchmarkRoundSpec, RoundRun } from '../api/index.ts';
import { pairedOutcomes } from '../core/gates/evaluate.ts';
import { SHARE_TOLERANCE } from '../core/gates/round-gates.ts';
import {
  newcombeUnpairedInterval,
  pooledTwoProportionPValue,
  type Proportion,
} from '../core/gates/two-proportions.ts';
import type { ComparisonMethod as ItemComparisonMethod } from '../core/stats/compare.ts';
import { decimal, probability, signed } from '../core/stats/describe-comparison.ts';
import { mcnemarExactPValue } from '../core/stats/mcnemar.ts';
import { newcombePairedInterval, type DifferenceInterval } from '../core/stats/newcombe-paired.ts';
import { correctShare } from '../core/suite/correct-share.ts';
import { findingError } from './errors.ts';

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

/**
 * How two runs were compared: from the record, over the same items, as two independent shares, or
 * their bare scores; from their items (--items), by the statistics library's method.
 */
export type ComparisonMethod = 'paired McNemar' | 'unpaired' | 'values only' | ItemComparisonMethod;

/** Two targets' runs of one benchmark, compared; or why they cannot be. */
export interface ComparisonRow {
  benchmark: string;
  a: string;
  b: string;
  possible: boolean;
  /** The verdict line when possible, else why not. */
  text: string;
  /** Whether the runs were compared item by item; null when they could not be compared. */
  paired: boolean | null;
  method: ComparisonMethod | null;
  /** a − b: of the shares correct over the items compared, or of the bare scores. */
  difference: number | null;
  /** The 95% interval of the difference and the two-sided p-value of none: null for bare values. */
  low: number | null;
  high: number | null;
  pValue: number | null;
}

/** The comparisons' confidence: the level of the record's intervals. */
const CONFIDENCE = 0.95;

export const notPossible = (benchmark: string, a: string, b: string, why: string): ComparisonRow => ({
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

/** Why a run cannot be compared at all, or undefined when it can. */
function whyNot(run: RoundRun): string | undefined {
  if (run.state !== 'Succeeded') return `${run.target}'s run ${run.state.toLowerCase()}`;
  const score = run.result?.score;
  if (score === undefined || !Number.isFinite(score)) return `${run.target}'s result has no score`;
  return undefined;
}

/**
 * A run's score as counts, when it is the share of correct items: the runner's correctItems and
 * answeredItems when they make the score (to the places it is written in, as for a gate), else
 * the score over the record's interval's items. Undefined for a score over an unknown number of
 * items, or that is not a share of them.
 */
function proportionOf(run: RoundRun, score: number): Proportion | undefined {
  const counted = correctShare(run);
  if (counted) {
    return Math.abs(counted.correct / counted.items - score) <= SHARE_TOLERANCE
      ? { successes: counted.correct, trials: counted.items }
      : undefined;
  }
  const items = run.interval?.items;
  if (items === undefined || !Number.isSafeInteger(items) || items < 1 || score < 0 || score > 1) {
    return undefined;
  }
  return { successes: Math.round(score * items), trials: items };
}

/** "mmlu: candidate 0.712 vs production 0.745, −0.033" */
const opening = (benchmark: string, a: string, b: string, valueA: number, valueB: number) =>
  `${benchmark}: ${a} ${decimal(valueA)} vs ${b} ${decimal(valueB)}, ${signed(valueA - valueB)}`;

const ci = ({ low, high }: DifferenceInterval) => `95% CI ${decimal(low)}…${decimal(high)}`;

/**
 * Runs a and b of one benchmark (both succeeded, with a score) compared: item by item when both
 * kept their per-item outcomes over the same items (McNemar's exact test and Newcombe's paired
 * interval, over the items both answered); else as two independent shares of correct items when
 * both scores are (Newcombe's interval and the pooled z-test), saying why not paired; else their
 * bare scores, which cannot tell a difference from noise. Closed forms: the same record always
 * gives the same numbers.
 */
function compareRuns(benchmark: string, runA: RoundRun, runB: RoundRun): ComparisonRow {
  const [a, b] = [runA.target, runB.target];
  const [scoreA, scoreB] = [runA.result!.score!, runB.result!.score!];
  const shareA = proportionOf(runA, scoreA);
  const shareB = proportionOf(runB, scoreB);
  if (!shareA || !shareB) {
    return {
      benchmark,
      a,
      b,
      possible: true,
      text:
        `${opening(benchmark, a, b, scoreA, scoreB)}, values only (without both scores as counts of ` +
        'correct items, no interval or test can tell a difference from noise)',
      paired: false,
      method: 'values only',
      difference: scoreA - scoreB,
      low: null,
      high: null,
      pValue: null,
    };
  }
  const pairs = pairedOutcomes(runA.outcomes, runB.outcomes);
  if (typeof pairs !== 'string') {
    const items = pairs.bothRight + pairs.onlyA + pairs.onlyB + pairs.bothWrong;
    const interval = newcombePairedInterval(pairs, CONFIDENCE);
    const pValue = mcnemarExactPValue(pairs.onlyA, pairs.onlyB);
    const [valueA, valueB] = [
      (pairs.bothRight + pairs.onlyA) / items,
      (pairs.bothRight + pairs.onlyB) / items,
    ];
    return {
      benchmark,
      a,
      b,
      possible: true,
      text:
        `${opening(benchmark, a, b, valueA, valueB)} (${ci(interval)}), paired McNemar ${probability(pValue)} ` +
        `over ${items} items both answered (${pairs.onlyA} right only in ${a}, ${pairs.onlyB} only in ${b})`,
      paired: true,
      method: 'paired McNemar',
      ...interval,
      pValue,
    };
  }
  const interval = newcombeUnpairedInterval(shareA, shareB, CONFIDENCE);
  const pValue = pooledTwoProportionPValue(shareA, shareB);
  const [valueA, valueB] = [shareA.successes / shareA.trials, shareB.successes / shareB.trials];
  return {
    benchmark,
    a,
    b,
    possible: true,
    text: `${opening(benchmark, a, b, valueA, valueB)} (${ci(interval)}), unpaired ${probability(pValue)} (${pairs})`,
    paired: false,
    method: 'unpaired',
    ...interval,
    pValue,
  };
}

/** Targets a and b's runs of one benchmark, and why they cannot be compared when they cannot. */
export interface RunPair {
  benchmark: string;
  runA: RoundRun;
  runB: RoundRun;
  whyNot?: string;
}

/** Targets a and b's runs of each benchmark both ran in the round, in the round's order. */
export function runPairs(record: RoundRecord, a: string, b: string): RunPair[] {
  const runs = record.spec.runs ?? [];
  const benchmarks = [...new Set(runs.map((r) => r.benchmark))];
  return benchmarks.flatMap((benchmark) => {
    const runA = runs.find((r) => r.benchmark === benchmark && r.target === a);
    const runB = runs.find((r) => r.benchmark === benchmark && r.target === b);
    if (!runA || !runB) return [];
    const why = whyNot(runA) ?? whyNot(runB);
    return [{ benchmark, runA, runB, ...(why === undefined ? {} : { whyNot: why }) }];
  });
}

/** Targets a and b compared on each benchmark both ran in the round, from the record. */
export function compareTargets(record: RoundRecord, a: string, b: string): ComparisonRow[] {
  return runPairs(record, a, b).map(({ benchmark, runA, runB, whyNot }) =>
    whyNot === undefined ? compareRuns(benchmark, runA, runB) : notPossible(benchmark, a, b, whyNot),
  );
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
