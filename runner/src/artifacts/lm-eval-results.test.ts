import { describe, expect, it } from 'vitest';
import type { ItemResult } from '../evaluate/item-result.ts';
import { accStderr, NO_STDERR } from '../contract/artifacts.ts';
import { lmEvalResults, type LmEvalInput } from './lm-eval-results.ts';

const answered = (index: number, correct: boolean): ItemResult => ({
  index,
  line: index + 1,
  status: 'answered',
  correct,
});
const failed = (index: number): ItemResult => ({
  index,
  line: index + 1,
  status: 'failed',
  error: { kind: 'unavailable', message: 'HTTP 503' },
});

function input(results: ItemResult[], extra: Partial<LmEvalInput> = {}): LmEvalInput {
  return {
    benchmark: 'mmlu',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    provider: 'openai-compatible',
    mode: 'accuracy',
    shard: { index: 1, count: 2 },
    identity: { suite: 'nightly', round: '3', run: 'mmlu-llama', benchmark: 'mmlu', target: 'llama' },
    items: results.length,
    results,
    summary: {
      score: 0.75,
      metrics: { accuracy: 0.75, items: 5 },
      usage: { inputTokens: 10, outputTokens: 4 },
    },
    startedAt: new Date('2026-12-07T10:00:00Z'),
    finishedAt: new Date('2026-12-07T10:01:30Z'),
    ...extra,
  };
}

describe('lmEvalResults', () => {
  it("is lm-evaluation-harness's results shape: the benchmark as task, acc and its stderr over the scored items", () => {
    const results = [answered(0, true), answered(1, true), answered(2, false), answered(3, true), failed(4)];
    const json = lmEvalResults(input(results));
    expect(json.results).toEqual({
      mmlu: { alias: 'mmlu', 'acc,none': 0.75, 'acc_stderr,none': Math.sqrt((0.75 * 0.25) / 3) },
    });
    expect(json['n-samples']).toEqual({ mmlu: { original: 5, effective: 4 } });
    expect(json.versions).toEqual({ mmlu: null });
    expect(json['n-shot']).toEqual({ mmlu: 0 });
    expect(json.higher_is_better).toEqual({ mmlu: { acc: true } });
    expect(json.config).toMatchObject({
      model: 'openai-compatible',
      model_args: 'model=meta-llama/Llama-3.1-8B-Instruct',
    });
    expect(json).toMatchObject({
      model_name: 'meta-llama/Llama-3.1-8B-Instruct',
      model_name_sanitized: 'meta-llama__Llama-3.1-8B-Instruct',
      date: Date.parse('2026-12-07T10:00:00Z') / 1000,
      total_evaluation_time_seconds: '90',
    });
    expect(json.bench_runner).toEqual({
      suite: 'nightly',
      round: '3',
      run: 'mmlu-llama',
      target: 'llama',
      shard: { index: 1, count: 2 },
      mode: 'accuracy',
      metrics: { accuracy: 0.75, items: 5 },
      usage: { inputTokens: 10, outputTokens: 4 },
    });
    // What a reader of the harness's output relies on survives JSON.
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('has no acc when no item was scored (a latency run without scorers, or nothing answered)', () => {
    const json = lmEvalResults(
      input([failed(0), { index: 1, line: 2, status: 'answered' }], { mode: 'latency' }),
    );
    expect(json.results).toEqual({ mmlu: { alias: 'mmlu' } });
    expect(json['n-samples']).toEqual({ mmlu: { original: 2, effective: 0 } });
  });
});

describe('accStderr', () => {
  it("is the harness's sample standard error of 0/1 values, N/A below two samples", () => {
    // 0,1,1,1: mean 0.75, sample variance 0.25, stderr √(0.25/4).
    expect(accStderr(3, 4)).toBeCloseTo(0.25, 12);
    expect(accStderr(1, 1)).toBe(NO_STDERR);
    expect(accStderr(0, 0)).toBe(NO_STDERR);
  });
});
