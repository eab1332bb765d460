import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { shorten } from '../status/text.ts';
import {
  COUNT_METRICS,
  HEADLINE_METRICS,
  SCORED_ITEMS_METRIC,
  type RunResult,
} from '../../../../runner/src/contract/result.ts';
import {
  joinShards,
  readShardOutcomes,
  type ShardOutcomes,
} from '../../../../runner/src/contract/outcomes.ts';

export { HEADLINE_METRICS, type RunResult };

/** One pod's result: a shard's, with its outcomes marked with the shard they are of. */
export type ShardResult = Omit<RunResult, 'outcomes'> & { outcomes?: ShardOutcomes };

export type ParsedResult = { ok: true; result: ShardResult } | { ok: false; error: string };

const MAX_QUOTED = 80;

/**
 * Reads a termination message as a run result. Anything else (no message, not JSON, wrong types)
 * is reported as an error message for the run's status, never thrown: a runner's bad output must
 * not break the reconcile of the whole suite.
 */
export function parseRunResult(message: string): ParsedResult {
  const text = message.trim();
  if (!text) return { ok: false, error: 'the runner wrote no result to its termination message' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: `the runner's termination message is not JSON: ${quote(text)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: `the runner's result is not a JSON object: ${quote(text)}` };
  }
  const raw = value as Record<string, unknown>;
  const result: ShardResult = {};
  if (raw.score !== undefined) {
    if (typeof raw.score !== 'number' || !Number.isFinite(raw.score)) {
      return { ok: false, error: `the runner's result has a score that is not a number: ${quote(text)}` };
    }
    result.score = raw.score;
  }
  if (raw.metrics !== undefined) {
    const metrics = numberRecord(raw.metrics);
    if (!metrics)
      return { ok: false, error: `the runner's result has metrics that are not numbers: ${quote(text)}` };
    result.metrics = metrics;
  }
  for (const field of ['usage', 'judgeUsage'] as const) {
    if (raw[field] === undefined) continue;
    const usage = numberRecord(raw[field]);
    if (!usage)
      return { ok: false, error: `the runner's result has ${field} that is not numbers: ${quote(text)}` };
    result[field] = {
      ...(usage.inputTokens !== undefined ? { inputTokens: usage.inputTokens } : {}),
      ...(usage.outputTokens !== undefined ? { outputTokens: usage.outputTokens } : {}),
    };
  }
  // Outcomes that are not well formed are left out, not an error: the result stands without them,
  // and a comparison of the run is unpaired.
  const outcomes = readShardOutcomes(raw.outcomes);
  if (outcomes) result.outcomes = outcomes;
  return { ok: true, result };
}

function average(values: number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

/**
 * The shards' scores, each weighted by the items it is over, so that a shard with few items does
 * not count as much as one with many; the plain average when a scored shard does not say its count.
 */
function combinedScore(results: RunResult[]): number | undefined {
  const scored = results.filter((r) => r.score !== undefined);
  const weights = scored.map((r) => r.metrics?.[SCORED_ITEMS_METRIC]);
  const total = weights.reduce<number>((sum, w) => sum + (w ?? 0), 0);
  if (total > 0 && weights.every((w) => w !== undefined && w >= 0)) {
    return scored.reduce((sum, r, i) => sum + r.score! * weights[i]!, 0) / total;
  }
  return average(scored.map((r) => r.score!));
}

/**
 * Significant digits of a combined score or metric: sums and quotients of the shards' numbers leave
 * float noise in the last digits (0.7875000000000001 for 0.7875), which status and Events would
 * show. 12 digits is more than any benchmark's figures mean and far above that noise.
 */
const COMBINED_DIGITS = 12;

const tidy = (value: number): number => Number(value.toPrecision(COMBINED_DIGITS));

/**
 * Shards of one run: the score weighted by each shard's answered items (see combinedScore), counts
 * added up, other metrics averaged, usage added up; score and metrics to COMBINED_DIGITS significant
 * digits. The outcomes are the shards' joined, when every shard has them (joinShards).
 */
export function combineResults(results: ShardResult[]): RunResult {
  const outcomes = results.every((r) => r.outcomes) ? joinShards(results.map((r) => r.outcomes!)) : undefined;
  const withOutcomes = (result: RunResult): RunResult => (outcomes ? { ...result, outcomes } : result);
  if (results.length === 1) {
    const { outcomes: _shard, ...result } = results[0]!;
    return withOutcomes(result);
  }
  const combined: RunResult = {};
  const score = combinedScore(results);
  if (score !== undefined) combined.score = tidy(score);
  const metricNames = new Set(results.flatMap((r) => Object.keys(r.metrics ?? {})));
  if (metricNames.size) {
    combined.metrics = {};
    for (const name of metricNames) {
      const values = results.flatMap((r) => (r.metrics?.[name] === undefined ? [] : [r.metrics[name]]));
      const total = values.reduce((sum, value) => sum + value, 0);
      combined.metrics[name] = tidy(COUNT_METRICS.includes(name) ? total : total / values.length);
    }
  }
  const sum = (pick: (r: ShardResult) => number | undefined): number =>
    results.reduce((total, r) => total + (pick(r) ?? 0), 0);
  for (const field of ['usage', 'judgeUsage'] as const) {
    if (!results.some((r) => r[field])) continue;
    combined[field] = {
      inputTokens: sum((r) => r[field]?.inputTokens),
      outputTokens: sum((r) => r[field]?.outputTokens),
    };
  }
  return withOutcomes(combined);
}

function numberRecord(value: unknown): Record<string, number> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([, v]) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  return Object.fromEntries(entries) as Record<string, number>;
}

function quote(text: string): string {
  return JSON.stringify(shorten(text, MAX_QUOTED));
}

/**
 * What a failed attempt's termination message says about the failure: bench-runner writes its
 * result with an `error` (docs/runner-contract.md, Output), which is what a person needs; any
 * other message (another runner's, the end of the log) as it is.
 */
export function failureText(message: string): string {
  const text = message.trim();
  if (!text.startsWith('{')) return text;
  try {
    const value = JSON.parse(text) as unknown;
    const error = (value as { error?: unknown } | null)?.error;
    return typeof error === 'string' && error.trim() ? error.trim() : text;
  } catch {
    return text;
  }
}

/** A run's result as status holds it (status.runs[].result in the CRD). */
export type StatusResult = NonNullable<
  NonNullable<NonNullable<BenchmarkSuite['status']>['runs']>[number]['result']
>;

/** status.runs[].result.metrics holds at most this many: the CRD's maxProperties. */
export const STATUS_MAX_METRICS = 32;

/**
 * The longest metric name status holds, in characters: the CRD bounds how many metrics there are,
 * not their names; this bounds the size of a run's entry (a longer name is shortened with `…`).
 */
export const STATUS_MAX_METRIC_NAME = 64;

const HEADLINE_RANK = new Map(HEADLINE_METRICS.map((name, i) => [name, i]));

/**
 * The names in the order metrics are kept in: the headline metrics in their order, then the other
 * names without a `/` (aggregates, such as another runner's `f1`), then those with one
 * (breakdowns, such as `accuracy/<category>`), each by name.
 */
function inMetricOrder(names: string[]): string[] {
  const rank = (name: string) =>
    HEADLINE_RANK.get(name) ?? (name.includes('/') ? HEADLINE_METRICS.length + 1 : HEADLINE_METRICS.length);
  return names
    .map((name) => ({ name, rank: rank(name) }))
    .sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name }) => name);
}

/** A number JSON and the API server take as it is (-0 is written as 0 anyway). */
const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const plain = (value: number): number => (value === 0 ? 0 : value);

/** A token count status can hold (an int64 ≥ 0): rounded, at most 2^53 - 1, where JS counts exactly. */
const tokens = (value: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(value)));

const COST = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,9})?$/;

/**
 * Which metrics a result in status keeps: up to STATUS_MAX_METRICS, in inMetricOrder's order
 * (`all`); only the headline ones (`headline`); none (`none`). The last two are for suites whose
 * status would otherwise be too big (status/suite-status.ts, RUN_ENTRY_TIERS).
 */
export type MetricsKept = 'all' | 'headline' | 'none';

export interface BoundedResult {
  result: StatusResult;
  /** How many metrics the result had. */
  metrics: number;
  /** How many of them status does not hold (beyond STATUS_MAX_METRICS, not a finite number, or a name another kept one shortens to). */
  leftOut: number;
}

/**
 * A result as status can hold it, whatever the runner (or the shards combined) reported: at most
 * STATUS_MAX_METRICS metrics (or fewer, as `keep` says), kept in inMetricOrder's order, names of
 * at most STATUS_MAX_METRIC_NAME characters, finite numbers only, token counts as non-negative
 * integers. Never fails: what does not fit is left out and counted.
 */
export function boundedResult(
  result: RunResult & { cost?: string | undefined },
  keep: MetricsKept = 'all',
): BoundedResult {
  let known = bounds.get(result);
  if (!known) bounds.set(result, (known = {}));
  return (known[keep] ??= bound(result, keep));
}

/**
 * Results bounded before, by result object and what they keep: every reconcile of a suite bounds
 * every run's result, and the results are the same objects each time (cached observations,
 * observe.ts, or the status read back); sorting their metrics was most of the time a 1000-run
 * suite's status took. The answer is shared: treat it as read-only.
 */
const bounds = new WeakMap<object, Partial<Record<MetricsKept, BoundedResult>>>();

function bound(result: RunResult & { cost?: string | undefined }, keep: MetricsKept): BoundedResult {
  const bounded: StatusResult = {};
  if (finite(result.score)) bounded.score = plain(result.score);
  let total = 0;
  let leftOut = 0;
  if (result.metrics !== undefined) {
    const kept = new Map<string, number>();
    const names = inMetricOrder(Object.keys(result.metrics));
    total = names.length;
    const wanted = (name: string) => keep === 'all' || (keep === 'headline' && HEADLINE_RANK.has(name));
    for (const name of names) {
      const value = result.metrics[name];
      const key = shorten(name, STATUS_MAX_METRIC_NAME);
      if (kept.size < STATUS_MAX_METRICS && wanted(name) && finite(value) && !kept.has(key))
        kept.set(key, plain(value));
      else leftOut++;
    }
    // fromEntries defines every key as a property, `__proto__` included.
    if (keep !== 'none') bounded.metrics = Object.fromEntries(kept);
  }
  for (const field of ['usage', 'judgeUsage'] as const) {
    const usage = result[field];
    if (usage === undefined) continue;
    bounded[field] = {
      ...(finite(usage.inputTokens) ? { inputTokens: tokens(usage.inputTokens) } : {}),
      ...(finite(usage.outputTokens) ? { outputTokens: tokens(usage.outputTokens) } : {}),
    };
  }
  if (typeof result.cost === 'string' && COST.test(result.cost)) bounded.cost = result.cost;
  return { result: bounded, metrics: total, leftOut };
}
