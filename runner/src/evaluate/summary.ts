/**
 * The run's result from its items' results: the score (accuracy, or in latency mode the output
 * tokens per second), named metrics and token usage, as the termination message reports them.
 */
import type { Mode } from '../config/args.ts';
import type { ShardOutcomes } from '../contract/outcomes.ts';
import { judgeSummary } from '../judge/summary.ts';
import type { JudgeScale } from '../judge/scale.ts';
import type { ItemResult } from './item-result.ts';

export interface RunResult {
  /** Absent when no item was answered: an empty shard must not pull the shards' average down. */
  score?: number;
  metrics: Record<string, number>;
  usage: { inputTokens: number; outputTokens: number };
  /** The judge's tokens, apart from the target's; absent when no item was judged. */
  judgeUsage?: { inputTokens: number; outputTokens: number };
  /** Which items were right, for paired comparisons; set by the caller, which knows the shard's items. */
  outcomes?: ShardOutcomes;
}

export interface SummaryInput {
  mode: Mode;
  /** The items of this shard, evaluated or not. */
  items: number;
  results: readonly ItemResult[];
  /** Wall-clock time of the run, for throughput. */
  elapsedMs: number;
  interrupted: boolean;
  /** Requests the pipeline retried. */
  retries: number;
  /** --judge-calibration's scale: the score is the judge's agreement with the labels (Cohen's kappa). */
  judgeCalibration?: JudgeScale;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (value: number, digits = 4) => Number(value.toFixed(digits));

function distribution(name: string, values: number[], metrics: Record<string, number>): void {
  if (values.length === 0) return;
  const sorted = values.toSorted((a, b) => a - b);
  for (const p of [50, 90, 99]) metrics[`${name}P${p}Ms`] = round(percentile(sorted, p), 1);
}

/** Decode speed of one answer: output tokens over the time after the first token (when streamed). */
function tokensPerSecond(result: ItemResult): number | undefined {
  const tokens = result.usage?.outputTokens ?? 0;
  const ms = (result.latencyMs ?? 0) - (result.timeToFirstTokenMs ?? 0);
  return tokens > 0 && ms > 0 ? (tokens * 1000) / ms : undefined;
}

export function summarize(input: SummaryInput): RunResult {
  const answered = input.results.filter((r) => r.status === 'answered');
  // Failed items have usage only when their answer was paid for (the judge then failed).
  const usage = {
    inputTokens: input.results.reduce((sum, r) => sum + (r.usage?.inputTokens ?? 0), 0),
    outputTokens: input.results.reduce((sum, r) => sum + (r.usage?.outputTokens ?? 0), 0),
  };
  const metrics: Record<string, number> = {
    ...(input.interrupted ? { partial: 1 } : {}),
    items: input.items,
    answeredItems: answered.length,
    failedItems: input.results.length - answered.length,
    retries: input.retries,
  };
  let score: number | undefined;

  const scored = answered.filter((r) => r.correct !== undefined);
  // Scored in latency mode too when items name a scorer; the score stays the mode's own.
  if (scored.length > 0) {
    const correct = scored.filter((r) => r.correct).length;
    metrics.correctItems = correct;
    metrics.accuracy = round(correct / scored.length);
    if (input.mode === 'accuracy') score = metrics.accuracy;
    const byCategory = Map.groupBy(
      scored.filter((r) => r.category !== undefined),
      (r) => r.category!,
    );
    for (const [category, results] of byCategory) {
      metrics[`accuracy/${category}`] = round(results.filter((r) => r.correct).length / results.length);
    }
  }

  distribution(
    'latency',
    answered.flatMap((r) => (r.latencyMs === undefined ? [] : [r.latencyMs])),
    metrics,
  );
  distribution(
    'timeToFirstToken',
    answered.flatMap((r) => (r.timeToFirstTokenMs === undefined ? [] : [r.timeToFirstTokenMs])),
    metrics,
  );
  const rates = answered.flatMap((r) => tokensPerSecond(r) ?? []).sort((a, b) => a - b);
  if (rates.length > 0) metrics.outputTokensPerSecond = round(percentile(rates, 50), 1);
  if (input.elapsedMs > 0 && answered.length > 0) {
    metrics.requestsPerSecond = round((answered.length * 1000) / input.elapsedMs, 2);
    metrics.throughputTokensPerSecond = round((usage.outputTokens * 1000) / input.elapsedMs, 1);
  }
  if (input.mode === 'latency' && metrics.outputTokensPerSecond !== undefined) {
    score = metrics.outputTokensPerSecond;
  }
  const judged = judgeSummary(input.results, input.judgeCalibration);
  Object.assign(metrics, judged.metrics);
  if (input.mode === 'accuracy' && input.judgeCalibration !== undefined) score = judged.kappa;
  return {
    ...(score !== undefined ? { score } : {}),
    metrics,
    usage,
    ...(judged.judgeUsage ? { judgeUsage: judged.judgeUsage } : {}),
  };
}
