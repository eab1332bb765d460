// What benchctl export prints from a round's artifacts (docs/results.md#artifacts): a run's shards'
// results.json merged into one lm-evaluation-harness results file, and the items of all shards as
// JSON lines or CSV rows that say which run, target, benchmark and shard each came from.
import type { RoundRun } from '../api/index.ts';
import { accStderr, NO_STDERR, type LmEvalResults } from '../../../runner/src/contract/artifacts.ts';

/** One shard's artifacts as read from the store. */
export interface ShardArtifacts {
  shard: number;
  results: LmEvalResults;
  /** items.jsonl, parsed; absent when not read. */
  items?: Record<string, unknown>[];
}

/** A run's results, its shards merged: the harness's shape, with the run's shard count. */
export type MergedResults = Omit<LmEvalResults, 'bench_runner'> & {
  bench_runner: Omit<LmEvalResults['bench_runner'], 'shard' | 'metrics'> & { shards: number };
};

const STDERR_KEY = /^(.+)_stderr,(.*)$/;

/**
 * The shards' results as one: each metric the mean of the shards' weighted by their samples
 * (n-samples effective), as the harness aggregates a group's subtasks; `acc`'s standard error from
 * the merged counts (exact for 0/1 values), any other's pooled as the harness pools them
 * (lm_eval.api.metrics.pooled_sample_stderr). Times span the shards; usage adds up.
 */
export function mergeShardResults(shards: readonly LmEvalResults[]): MergedResults {
  const [first] = shards;
  if (!first) throw new Error('no shard to merge');
  const tasks = [...new Set(shards.flatMap((s) => Object.keys(s.results)))];
  const samples = (s: LmEvalResults, task: string) => s['n-samples'][task]?.effective ?? 0;
  const results: MergedResults['results'] = {};
  const nSamples: MergedResults['n-samples'] = {};
  for (const task of tasks) {
    const having = shards.filter((s) => s.results[task]);
    const merged: Record<string, string | number> = { alias: having[0]!.results[task]!.alias ?? task };
    const keys = [...new Set(having.flatMap((s) => Object.keys(s.results[task]!)))].filter(
      (k) => k !== 'alias',
    );
    for (const key of keys.filter((k) => !STDERR_KEY.test(k))) {
      const weighted = having.flatMap((s) => {
        const value = s.results[task]![key];
        const n = samples(s, task);
        return typeof value === 'number' && n > 0 ? [{ value, n }] : [];
      });
      const n = weighted.reduce((sum, w) => sum + w.n, 0);
      if (n > 0) merged[key] = weighted.reduce((sum, w) => sum + w.value * w.n, 0) / n;
    }
    for (const key of keys.filter((k) => STDERR_KEY.test(k))) {
      const [, metric, filter] = STDERR_KEY.exec(key)!;
      const mean = merged[`${metric},${filter}`];
      if (typeof mean !== 'number') continue;
      const n = having.reduce(
        (sum, s) =>
          sum + (typeof s.results[task]![`${metric},${filter}`] === 'number' ? samples(s, task) : 0),
        0,
      );
      merged[key] =
        metric === 'acc'
          ? accStderr(Math.round(mean * n), n)
          : pooledStderr(having.map((s) => [s.results[task]![key], samples(s, task)]));
    }
    results[task] = merged;
    nSamples[task] = {
      original: having.reduce((sum, s) => sum + (s['n-samples'][task]?.original ?? 0), 0),
      effective: having.reduce((sum, s) => sum + samples(s, task), 0),
    };
  }
  const start = Math.min(...shards.map((s) => s.start_time));
  const end = Math.max(...shards.map((s) => s.end_time));
  const { shard: _shard, metrics: _metrics, ...run } = first.bench_runner;
  return {
    ...first,
    results,
    'n-samples': nSamples,
    date: start,
    start_time: start,
    end_time: end,
    total_evaluation_time_seconds: String(end - start),
    bench_runner: {
      ...run,
      shards: shards.length,
      usage: {
        inputTokens: shards.reduce((sum, s) => sum + s.bench_runner.usage.inputTokens, 0),
        outputTokens: shards.reduce((sum, s) => sum + s.bench_runner.usage.outputTokens, 0),
      },
    },
  };
}

/** The harness's pooled standard error of groups of sizes n with standard errors se (N/A when one is). */
function pooledStderr(groups: Array<[string | number | undefined, number]>): number | typeof NO_STDERR {
  if (groups.some(([se]) => typeof se !== 'number')) return NO_STDERR;
  const total = groups.reduce((sum, [, n]) => sum + n, 0);
  if (total - groups.length <= 0) return NO_STDERR;
  const variance =
    groups.reduce((sum, [se, n]) => sum + (n - 1) * (se as number) ** 2 * n, 0) / (total - groups.length);
  return Math.sqrt(variance / total);
}

/** An item with where it came from, for the JSON lines. */
export type ItemRecord = {
  run: string;
  benchmark: string;
  target: string;
  model: string | null;
  shard: number;
} & Record<string, unknown>;

/** A run's items, shard after shard, each in dataset order as the shard wrote them. */
export function itemRecords(run: RoundRun, shards: readonly ShardArtifacts[]): ItemRecord[] {
  return shards.flatMap((shard) =>
    (shard.items ?? []).map((item) => ({
      run: run.name,
      benchmark: run.benchmark,
      target: run.target,
      model: run.model ?? shard.results.model_name ?? null,
      shard: shard.shard,
      ...item,
    })),
  );
}

export const ITEM_CSV_COLUMNS = [
  'run',
  'benchmark',
  'target',
  'model',
  'shard',
  'index',
  'id',
  'status',
  'correct',
  'latencyMs',
] as const;

export type ItemRow = Record<(typeof ITEM_CSV_COLUMNS)[number], string | number | boolean | null>;

/** An item as a CSV row: the columns above, empty where the item has none. */
export function itemRow(record: ItemRecord): ItemRow {
  const scalar = (value: unknown): string | number | boolean | null =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
  return Object.fromEntries(ITEM_CSV_COLUMNS.map((column) => [column, scalar(record[column])])) as ItemRow;
}
