/** The completion request of one item, with the token estimate the rate limiter charges for it. */
import type { BenchmarkOptions } from '../config/args.ts';
import type { DatasetItem } from '../dataset/items.ts';
import type { CompletionRequest } from '../providers/types.ts';

/** Output tokens charged for a request without an output limit (the limiter settles on real usage). */
const DEFAULT_OUTPUT_ESTIMATE = 256;

/** About four characters a token in English text: enough for pacing, no tokenizer needed. */
const CHARACTERS_PER_TOKEN = 4;

export type Sampling = Pick<BenchmarkOptions, 'mode' | 'maxOutputTokens' | 'temperature' | 'topP'>;

export function itemRequest(
  item: Pick<DatasetItem, 'messages'>,
  model: string,
  sampling: Sampling,
): { request: CompletionRequest; estimatedTokens: number } {
  const characters = item.messages.reduce((sum, m) => sum + m.content.length, 0);
  return {
    request: {
      model,
      messages: item.messages,
      ...(sampling.maxOutputTokens !== undefined ? { maxOutputTokens: sampling.maxOutputTokens } : {}),
      ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
      ...(sampling.topP !== undefined ? { topP: sampling.topP } : {}),
      // Time to first token is only measured on a stream.
      ...(sampling.mode === 'latency' ? { stream: true } : {}),
    },
    estimatedTokens:
      Math.ceil(characters / CHARACTERS_PER_TOKEN) + (sampling.maxOutputTokens ?? DEFAULT_OUTPUT_ESTIMATE),
  };
}
