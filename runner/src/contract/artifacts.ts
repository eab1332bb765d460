/**
 * The runner contract's artifacts (docs/results.md#artifacts), shared by bench-runner, which writes
 * them, and benchctl export, which reads them: where each shard's objects are in the run's folder,
 * and the lm-evaluation-harness results shape of results.json.
 */

/** The objects each shard writes. */
export const ARTIFACT_OBJECTS = { items: 'items.jsonl', results: 'results.json' } as const;

/** The folder of a shard: the run's, or its `shard-<i>/` when the run has more than one shard. */
export function shardPrefix(runPrefix: string, shard: { index: number; count: number }): string {
  return shard.count > 1 ? `${runPrefix}shard-${shard.index}/` : runPrefix;
}

/** `s3://bucket/some/prefix/` into its bucket and key prefix (ending with `/`, or empty); undefined when it is not one. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/.exec(url);
  if (!match) return undefined;
  const path = match[2]!;
  return { bucket: match[1]!, prefix: path === '' || path.endsWith('/') ? path : `${path}/` };
}

/** The harness's placeholder where a standard error cannot be computed (fewer than two samples). */
export const NO_STDERR = 'N/A';

/**
 * The harness's standard error of a mean of 0/1 values: the sample standard deviation (n − 1)
 * over √n, which is √(p(1 − p)/(n − 1)).
 */
export function accStderr(correct: number, n: number): number | typeof NO_STDERR {
  if (n < 2) return NO_STDERR;
  const p = correct / n;
  return Math.sqrt((p * (1 - p)) / (n - 1));
}

export interface ShardOfRun {
  index: number;
  count: number;
}

/**
 * results.json: lm-evaluation-harness's results shape (what its EvaluationTracker saves as
 * results_<date>.json). What the harness has no field for (the run, the shard, the runner's own
 * metrics) is under `bench_runner`.
 */
export interface LmEvalResults {
  results: Record<string, Record<string, string | number>>;
  group_subtasks: Record<string, string[]>;
  configs: Record<string, Record<string, unknown>>;
  versions: Record<string, number | null>;
  'n-shot': Record<string, number>;
  higher_is_better: Record<string, Record<string, boolean>>;
  'n-samples': Record<string, { original: number; effective: number }>;
  config: Record<string, unknown>;
  git_hash: string | null;
  /** Seconds since the epoch, as the harness writes it. */
  date: number;
  model_source: string;
  model_name: string;
  model_name_sanitized: string;
  start_time: number;
  end_time: number;
  total_evaluation_time_seconds: string;
  bench_runner: {
    suite?: string;
    round?: string;
    run?: string;
    target?: string;
    shard: ShardOfRun;
    mode: string;
    metrics: Record<string, number>;
    usage: { inputTokens: number; outputTokens: number };
  };
}
