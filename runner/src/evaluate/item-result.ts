/** What happened to one dataset item: its answer and score, or why it failed. One JSON line each. */
import type { DatasetItem } from '../dataset/items.ts';
import { JudgeFailure, type JudgeRecord, type Judgement } from '../judge/judgement.ts';
import {
  ProviderError,
  type CompletionResponse,
  type ProviderErrorKind,
  type Usage,
} from '../providers/types.ts';

/** A provider's failure kind, or `other` for a failure no adapter classified. */
export type FailureKind = ProviderErrorKind | 'other';

export interface ItemResult {
  index: number;
  line: number;
  id?: string | number;
  category?: string;
  status: 'answered' | 'failed';
  /** Scored items only. */
  correct?: boolean;
  /** What the scorer read from the output (a letter, a number), when it reads one. */
  answer?: string;
  expected?: unknown;
  output?: string;
  finishReason?: CompletionResponse['finishReason'];
  latencyMs?: number;
  timeToFirstTokenMs?: number;
  /** The answer's tokens (the judge's are in `judge`); also on an item failed by its judge. */
  usage?: Usage;
  /** The judge's verdict, for items the judge scores. */
  judge?: JudgeRecord;
  /** `judge`: the judge's provider failed, not the target's. */
  error?: { kind: FailureKind; message: string; judge?: true };
}

function identity(item: DatasetItem): Pick<ItemResult, 'index' | 'line' | 'id' | 'category'> {
  return {
    index: item.index,
    line: item.line,
    ...(item.id !== undefined ? { id: item.id } : {}),
    ...(item.category !== undefined ? { category: item.category } : {}),
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The item's result; `judgement` for an item the judge scores, which decides `correct`. */
export function answeredResult(
  item: DatasetItem,
  response: CompletionResponse,
  judgement?: Judgement,
): ItemResult {
  const score = judgement
    ? judgement.correct === undefined
      ? undefined
      : { correct: judgement.correct }
    : item.scorer?.(response.text);
  return {
    ...identity(item),
    status: 'answered',
    ...(score
      ? { correct: score.correct, ...(score.answer !== undefined ? { answer: score.answer } : {}) }
      : {}),
    ...(item.expected !== undefined ? { expected: item.expected } : {}),
    output: response.text,
    finishReason: response.finishReason,
    latencyMs: round(response.latencyMs),
    ...(response.timeToFirstTokenMs !== undefined
      ? { timeToFirstTokenMs: round(response.timeToFirstTokenMs) }
      : {}),
    usage: response.usage,
    ...(judgement ? { judge: judgement.record } : {}),
  };
}

export function failedResult(item: DatasetItem, error: unknown): ItemResult {
  const kind: FailureKind = error instanceof ProviderError ? error.kind : 'other';
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...identity(item),
    status: 'failed',
    ...(item.expected !== undefined ? { expected: item.expected } : {}),
    // The answer and the judge's first reply were paid for even when the judge then failed.
    ...(error instanceof JudgeFailure
      ? { usage: error.answerUsage, judge: { usage: error.judgeUsage } }
      : {}),
    error: { kind, message, ...(error instanceof JudgeFailure ? { judge: true as const } : {}) },
  };
}
