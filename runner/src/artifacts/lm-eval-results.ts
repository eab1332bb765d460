/**
 * A shard's results in lm-evaluation-harness's results JSON shape (what its EvaluationTracker
 * saves as results_<date>.json), so the tools that read the harness's output read bench-runner's:
 * `results.<task>["acc,none"]` and `["acc_stderr,none"]`, `n-samples`, `config`, `versions`, the
 * model's name and the date. The task is the benchmark; the filter is always `none` (the scorer
 * reads the answer itself). What the harness has no field for (the run, the shard, the runner's
 * own metrics) is under `bench_runner`.
 */
import type { Mode } from '../config/args.ts';
import type { RunnerEnvironment, Shard } from '../config/env.ts';
import type { ItemResult } from '../evaluate/item-result.ts';
import type { RunResult } from '../evaluate/summary.ts';
import { accStderr, type LmEvalResults } from '../contract/artifacts.ts';

export interface LmEvalInput {
  benchmark: string;
  model: string;
  provider: string;
  mode: Mode;
  shard: Shard;
  identity: RunnerEnvironment['identity'];
  /** The shard's items, evaluated or not. */
  items: number;
  results: readonly ItemResult[];
  summary: RunResult;
  startedAt: Date;
  finishedAt: Date;
}

export function lmEvalResults(input: LmEvalInput): LmEvalResults {
  const task = input.benchmark;
  const scored = input.results.filter((r) => r.status === 'answered' && r.correct !== undefined);
  const correct = scored.filter((r) => r.correct).length;
  const metrics: Record<string, string | number> = { alias: task };
  if (scored.length > 0) {
    metrics['acc,none'] = correct / scored.length;
    metrics['acc_stderr,none'] = accStderr(correct, scored.length);
  }
  const seconds = (date: Date) => date.getTime() / 1000;
  const { suite, round, run, target } = input.identity;
  return {
    results: { [task]: metrics },
    group_subtasks: { [task]: [] },
    configs: {
      [task]: {
        task,
        output_type: 'generate_until',
        metric_list: [{ metric: 'acc', aggregation: 'mean', higher_is_better: true }],
        num_fewshot: 0,
      },
    },
    // A benchmark of a suite has no version in the harness's sense.
    versions: { [task]: null },
    'n-shot': { [task]: 0 },
    higher_is_better: { [task]: { acc: true } },
    // Effective: the items the accuracy is over (answered and scored).
    'n-samples': { [task]: { original: input.items, effective: scored.length } },
    config: { model: input.provider, model_args: `model=${input.model}`, limit: null },
    git_hash: null,
    date: seconds(input.startedAt),
    model_source: input.provider,
    model_name: input.model,
    model_name_sanitized: input.model.replaceAll('/', '__'),
    start_time: seconds(input.startedAt),
    end_time: seconds(input.finishedAt),
    total_evaluation_time_seconds: String(seconds(input.finishedAt) - seconds(input.startedAt)),
    bench_runner: {
      ...(suite ? { suite } : {}),
      ...(round ? { round } : {}),
      ...(run ? { run } : {}),
      ...(target ? { target } : {}),
      shard: input.shard,
      mode: input.mode,
      metrics: input.summary.metrics,
      usage: input.summary.usage,
    },
  };
}
