import { describe, expect, it } from 'vitest';
import type { RoundRun } from '../api/index.ts';
import { accStderr, type LmEvalResults } from '../../../runner/src/contract/artifacts.ts';
import { itemRecords, itemRow, ITEM_CSV_COLUMNS, mergeShardResults } from './export-formats.ts';
import { csv } from './round-results.ts';

function shard(
  index: number,
  metrics: Record<string, string | number>,
  samples: { original: number; effective: number },
  times: [number, number],
): LmEvalResults {
  return {
    results: { mmlu: { alias: 'mmlu', ...metrics } },
    group_subtasks: { mmlu: [] },
    configs: { mmlu: { task: 'mmlu' } },
    versions: { mmlu: null },
    'n-shot': { mmlu: 0 },
    higher_is_better: { mmlu: { acc: true } },
    'n-samples': { mmlu: samples },
    config: { model: 'openai', model_args: 'model=gpt-4o' },
    git_hash: null,
    date: times[0],
    model_source: 'openai',
    model_name: 'gpt-4o',
    model_name_sanitized: 'gpt-4o',
    start_time: times[0],
    end_time: times[1],
    total_evaluation_time_seconds: String(times[1] - times[0]),
    bench_runner: {
      suite: 'nightly',
      round: '3',
      run: 'mmlu-gpt',
      target: 'gpt',
      shard: { index, count: 2 },
      mode: 'accuracy',
      metrics: { accuracy: 0 },
      usage: { inputTokens: 100 * (index + 1), outputTokens: 10 * (index + 1) },
    },
  };
}

describe('mergeShardResults', () => {
  it('weights each metric by the shards’ samples, and recomputes acc’s standard error from the merged counts', () => {
    const merged = mergeShardResults([
      shard(
        0,
        { 'acc,none': 0.75, 'acc_stderr,none': accStderr(3, 4) },
        { original: 5, effective: 4 },
        [100, 160],
      ),
      shard(
        1,
        { 'acc,none': 0.5, 'acc_stderr,none': accStderr(1, 2) },
        { original: 2, effective: 2 },
        [90, 150],
      ),
    ]);
    expect(merged.results.mmlu!['acc,none']).toBeCloseTo(4 / 6, 12);
    expect(merged.results.mmlu!['acc_stderr,none']).toBeCloseTo(accStderr(4, 6) as number, 12);
    expect(merged['n-samples']).toEqual({ mmlu: { original: 7, effective: 6 } });
    expect(merged).toMatchObject({
      date: 90,
      start_time: 90,
      end_time: 160,
      total_evaluation_time_seconds: '70',
    });
    expect(merged.bench_runner).toEqual({
      suite: 'nightly',
      round: '3',
      run: 'mmlu-gpt',
      target: 'gpt',
      mode: 'accuracy',
      shards: 2,
      usage: { inputTokens: 300, outputTokens: 30 },
    });
  });

  it("pools another metric's standard error as the harness pools a group's", () => {
    const merged = mergeShardResults([
      shard(0, { 'f1,none': 0.8, 'f1_stderr,none': 0.1 }, { original: 10, effective: 10 }, [0, 1]),
      shard(1, { 'f1,none': 0.6, 'f1_stderr,none': 0.2 }, { original: 30, effective: 30 }, [0, 1]),
    ]);
    expect(merged.results.mmlu!['f1,none']).toBeCloseTo(0.65, 12);
    // lm_eval.api.metrics.pooled_sample_stderr([0.1, 0.2], [10, 30])
    const pooled = Math.sqrt((9 * 0.01 * 10 + 29 * 0.04 * 30) / (40 - 2) / 40);
    expect(merged.results.mmlu!['f1_stderr,none']).toBeCloseTo(pooled, 12);
  });

  it('leaves out a shard without scored samples, and gives N/A where no standard error can be had', () => {
    const merged = mergeShardResults([
      shard(0, { 'acc,none': 1, 'acc_stderr,none': 'N/A' }, { original: 1, effective: 1 }, [0, 1]),
      shard(1, {}, { original: 1, effective: 0 }, [0, 1]),
    ]);
    expect(merged.results.mmlu).toEqual({ alias: 'mmlu', 'acc,none': 1, 'acc_stderr,none': 'N/A' });
  });
});

const run: RoundRun = {
  name: 'mmlu-gpt',
  benchmark: 'mmlu',
  target: 'gpt',
  model: 'gpt-4o-2024-08-06',
  state: 'Succeeded',
  attempt: 1,
};

describe('itemRecords and itemRow', () => {
  const shards = [
    {
      shard: 0,
      results: shard(0, {}, { original: 1, effective: 1 }, [0, 1]),
      items: [
        { index: 0, id: 'q1', status: 'answered', correct: true, latencyMs: 12.5, output: 'A, "or" B' },
      ],
    },
    {
      shard: 1,
      results: shard(1, {}, { original: 1, effective: 0 }, [0, 1]),
      items: [{ index: 1, status: 'failed', error: { kind: 'other', message: 'x' } }],
    },
  ];

  it('says which run, benchmark, target, model and shard each item came from, shard after shard', () => {
    expect(itemRecords(run, shards)).toEqual([
      {
        run: 'mmlu-gpt',
        benchmark: 'mmlu',
        target: 'gpt',
        model: 'gpt-4o-2024-08-06',
        shard: 0,
        ...shards[0]!.items[0],
      },
      {
        run: 'mmlu-gpt',
        benchmark: 'mmlu',
        target: 'gpt',
        model: 'gpt-4o-2024-08-06',
        shard: 1,
        ...shards[1]!.items[0],
      },
    ]);
  });

  it('is one CSV row per item, empty where the item has no value', () => {
    expect(csv(itemRecords(run, shards).map(itemRow), [...ITEM_CSV_COLUMNS])).toBe(
      'run,benchmark,target,model,shard,index,id,status,correct,latencyMs\r\n' +
        'mmlu-gpt,mmlu,gpt,gpt-4o-2024-08-06,0,0,q1,answered,true,12.5\r\n' +
        'mmlu-gpt,mmlu,gpt,gpt-4o-2024-08-06,1,1,,failed,,\r\n',
    );
  });
});
