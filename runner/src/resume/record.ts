/**
 * One line of a checkpoint chunk: an answered item's key and its result as the attempt reported
 * it. On reuse, an item scored from its output alone is scored again from the kept answer, so its
 * result follows the item as it is now (its expected answer, its scorer's options) and is the one an
 * uninterrupted run would have written; any other result (not scored, or graded by a model) is kept
 * as it was: grading it again would pay again.
 */
import type { DatasetItem } from '../dataset/items.ts';
import { answeredResult, type ItemResult } from '../evaluate/item-result.ts';
import type { CompletionResponse } from '../providers/types.ts';

export interface CheckpointRecord {
  key: string;
  result: ItemResult;
}

/** The record of an answered item (a failed one is asked again). */
export function recordOf(key: string, result: ItemResult): CheckpointRecord | undefined {
  return result.status === 'answered' ? { key, result } : undefined;
}

/** The provider's answer a result was made from. */
function responseOf(result: ItemResult): CompletionResponse {
  return {
    text: result.output ?? '',
    usage: result.usage ?? { inputTokens: 0, outputTokens: 0 },
    finishReason: result.finishReason ?? 'other',
    latencyMs: result.latencyMs ?? 0,
    ...(result.timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs: result.timeToFirstTokenMs } : {}),
  };
}

/** The result of an item whose answer is reused. */
export function reusedResult(item: DatasetItem, record: CheckpointRecord): ItemResult {
  if (item.scorer) return answeredResult(item, responseOf(record.result));
  return { ...record.result, index: item.index, line: item.line };
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** A line back into its record; undefined when it is not one (a chunk cut short, another writer's). */
export function parseRecord(line: string): CheckpointRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const record = value as Partial<CheckpointRecord> | null;
  const result = record?.result;
  const valid =
    typeof record?.key === 'string' &&
    result?.status === 'answered' &&
    isCount(result.index) &&
    isCount(result.line) &&
    typeof result.output === 'string' &&
    isCount(result.usage?.inputTokens) &&
    isCount(result.usage?.outputTokens);
  return valid ? (record as CheckpointRecord) : undefined;
}
