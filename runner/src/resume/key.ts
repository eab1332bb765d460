/**
 * The resume key of an item: everything an answer depends on, so that a kept answer is reused only
 * where this run would have asked the provider exactly the same thing. The item (its id, else its
 * line), a hash of its exact messages, the model actually used, the provider type, the mode (a
 * latency run streams), the sampling settings and the target's parameters, the scorers' versions,
 * and for items the judge grades, the judge (its provider, model, parameters, scale, pass mark and
 * rubric) and the item's rubric and reference: a change to any of them gives another key.
 */
import { createHash } from 'node:crypto';
import type { BenchmarkOptions } from '../config/args.ts';
import type { RunnerEnvironment } from '../config/env.ts';
import type { DatasetItem } from '../dataset/items.ts';
import type { ProviderType } from '../providers/types.ts';
import { SCORER_VERSIONS } from '../scoring/scorers.ts';

/** What the keys of a run's items share. */
export interface ResumeContext {
  provider: ProviderType;
  model: string;
  mode: BenchmarkOptions['mode'];
  sampling: Pick<BenchmarkOptions, 'temperature' | 'maxOutputTokens' | 'topP'>;
  /** BENCH_PARAMETERS: an adapter may send any of them (api-version, a region...). */
  parameters: Readonly<Record<string, string>>;
  /**
   * Every scorer's version, not only the item's: an item does not keep which scorer it names, and
   * a scorer changes seldom enough that reusing nothing then is the safe side.
   */
  scorerVersions: Readonly<Record<string, number>>;
  /** The judge, when the run has one: a judged result is reused with its verdict. */
  judge?: {
    provider: ProviderType;
    model: string;
    parameters: Readonly<Record<string, string>>;
    /** The rubric's text, however --judge-rubric gave it. */
    grading: Pick<BenchmarkOptions['judge'], 'scale' | 'pass'> & { rubric: string | undefined };
  };
}

export type KeyedItem = Pick<DatasetItem, 'id' | 'line' | 'messages' | 'judge'>;

export function resumeContext(
  runner: Pick<RunnerEnvironment, 'provider' | 'model' | 'judge'>,
  options: Pick<BenchmarkOptions, 'mode' | 'temperature' | 'maxOutputTokens' | 'topP' | 'judge'>,
  /** --judge-rubric's text (judgeRubric), for the items without their own. */
  rubric: string | undefined,
): ResumeContext {
  const { judge } = runner;
  return {
    provider: runner.provider.type,
    model: runner.model,
    mode: options.mode,
    sampling: {
      temperature: options.temperature,
      maxOutputTokens: options.maxOutputTokens,
      topP: options.topP,
    },
    parameters: runner.provider.parameters,
    scorerVersions: SCORER_VERSIONS,
    ...(judge
      ? {
          judge: {
            provider: judge.provider.type,
            model: judge.model,
            parameters: judge.provider.parameters,
            grading: { scale: options.judge.scale, pass: options.judge.pass, rubric },
          },
        }
      : {}),
  };
}

/** JSON with object keys sorted, so that equal values give equal text whatever their keys' order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function resumeKey(item: KeyedItem, context: ResumeContext): string {
  return sha256(
    canonicalJson({
      item: item.id !== undefined ? { id: item.id } : { line: item.line },
      messages: sha256(canonicalJson(item.messages)),
      // A label is a person's rating, not something the judge reads.
      judged: item.judge && { rubric: item.judge.rubric, reference: item.judge.reference },
      ...context,
    }),
  );
}
