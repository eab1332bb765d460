/**
 * Grades an item's answer with the judge model, through the judge's own request pipeline: asks for
 * a verdict, asks once more (saying what was wrong) when the reply is not one, and otherwise counts
 * the item as not scored.
 */
import type { RequestPipeline } from '../client/pipeline.ts';
import type { SamplingParameters } from '../config/args.ts';
import type { DatasetItem } from '../dataset/items.ts';
import { itemRequest } from '../evaluate/item-request.ts';
import { ProviderError, type ChatMessage, type CompletionResponse } from '../providers/types.ts';
import { JudgeFailure, type Judgement } from './judgement.ts';
import { correctionMessages, judgeMessages } from './prompt.ts';
import type { JudgeScale } from './scale.ts';
import { readVerdict } from './verdict.ts';

export interface JudgeSettings {
  model: string;
  scale: JudgeScale;
  /** The lowest score that passes. */
  pass: number;
  /** --judge-rubric, for items without their own. */
  rubric: string | undefined;
  /** From the judge's parameters (BENCH_JUDGE_PARAMETERS). */
  sampling: SamplingParameters;
}

/** The judgement of an item the judge scores; undefined for an item it does not. */
export type JudgeItem = (item: DatasetItem, response: CompletionResponse) => Promise<Judgement | undefined>;

/** Reasons are for a person skimming results: the first few sentences are enough. */
const MAX_REASON_LENGTH = 300;

const shorten = (text: string) => {
  const chars = [...text];
  return chars.length <= MAX_REASON_LENGTH ? text : `${chars.slice(0, MAX_REASON_LENGTH - 1).join('')}…`;
};

export function judgeWith(pipeline: RequestPipeline, settings: JudgeSettings): JudgeItem {
  return async (item, response) => {
    if (!item.judge) return undefined;
    const usage = { inputTokens: 0, outputTokens: 0 };
    const ask = async (messages: ChatMessage[]): Promise<string> => {
      const { request, estimatedTokens } = itemRequest({ messages }, settings.model, {
        mode: 'accuracy',
        ...settings.sampling,
      });
      try {
        const reply = await pipeline.complete(request, estimatedTokens);
        usage.inputTokens += reply.usage.inputTokens;
        usage.outputTokens += reply.usage.outputTokens;
        return reply.text;
      } catch (error) {
        // Not the run's cancellation, which must reach the caller as it is.
        if (error instanceof ProviderError) throw new JudgeFailure(error, response.usage, { ...usage });
        throw error;
      }
    };
    const asked = judgeMessages(settings.scale, {
      task: item.messages,
      answer: response.text,
      rubric: item.judge.rubric ?? settings.rubric,
      reference: item.judge.reference,
    });
    const first = await ask(asked);
    let reading = readVerdict(first, settings.scale);
    if (!reading.ok) {
      reading = readVerdict(
        await ask(correctionMessages(asked, first, reading.problem, settings.scale)),
        settings.scale,
      );
    }
    const label = item.judge.label !== undefined ? { label: item.judge.label } : {};
    if (!reading.ok) return { correct: undefined, record: { unparseable: reading.problem, ...label, usage } };
    const { score, reason } = reading.verdict;
    return { correct: score >= settings.pass, record: { score, reason: shorten(reason), ...label, usage } };
  };
}
