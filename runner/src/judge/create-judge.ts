/**
 * The run's judge, when any of its items is scored by one: the judge's provider and model from the
 * contract's BENCH_JUDGE_* variables, behind a request pipeline of its own, so that the judge's
 * rate limits, retries and timeouts hold for the judge's requests as the target's do for the target's.
 */
import type { Clock } from '../client/clock.ts';
import { createPipeline } from '../client/pipeline.ts';
import { samplingOf, type BenchmarkOptions } from '../config/args.ts';
import type { RunnerEnvironment } from '../config/env.ts';
import { ConfigError } from '../config/errors.ts';
import { RUNNER_ENV } from '../contract/env.ts';
import type { DatasetItem } from '../dataset/items.ts';
import { createProvider } from '../providers/index.ts';
import { judgeWith, type JudgeItem } from './judge-answer.ts';
import { readRubric } from './rubric.ts';

export interface JudgeInput {
  items: readonly DatasetItem[];
  runner: Pick<RunnerEnvironment, 'judge'>;
  options: Pick<BenchmarkOptions, 'judge' | 'concurrency' | 'requestTimeoutMs' | 'maxAttempts'>;
  /** --judge-rubric's text (judgeRubric). */
  rubric: string | undefined;
  /** The run's cancellation: stops the judge's requests with the target's. */
  signal: AbortSignal;
  onRetry: () => void;
  log: (line: string) => void;
  /** Time for the judge's rate limits; tests pass a fake one. */
  clock?: Clock;
}

/**
 * --judge-rubric's text, read once, when an item is scored by the judge: the judge grades by it, and
 * the resume key holds it (not how it was given: a new text behind the same env:NAME or path is
 * another rubric).
 */
export function judgeRubric(
  items: readonly DatasetItem[],
  options: Pick<BenchmarkOptions, 'judge'>,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (options.judge.rubric === undefined || !items.some((item) => item.judge)) return undefined;
  return readRubric(options.judge.rubric, env);
}

/** Undefined when no item is scored by the judge; a ConfigError when some are but the run has no judge. */
export function createJudge(input: JudgeInput): JudgeItem | undefined {
  if (!input.items.some((item) => item.judge)) return undefined;
  const judge = input.runner.judge;
  if (!judge) {
    throw new ConfigError(
      `items are scored by the judge, but ${RUNNER_ENV.judgeProvider} is not set: the operator sets the BENCH_JUDGE_* variables from the benchmark's judge`,
    );
  }
  const { options, rubric } = input;
  const pipeline = createPipeline(createProvider(judge.provider), {
    ...(judge.requestsPerMinute !== undefined ? { requestsPerMinute: judge.requestsPerMinute } : {}),
    ...(judge.tokensPerMinute !== undefined ? { tokensPerMinute: judge.tokensPerMinute } : {}),
    concurrency: options.concurrency,
    requestTimeoutMs: options.requestTimeoutMs,
    maxAttempts: options.maxAttempts,
    signal: input.signal,
    onRetry: input.onRetry,
    ...(input.clock ? { clock: input.clock } : {}),
  });
  input.log(
    `judge: ${judge.provider.type} ${judge.model}, ${options.judge.scale} scale, passing from ${options.judge.pass}` +
      (options.judge.calibration ? ', calibration against the items’ labels' : ''),
  );
  return judgeWith(pipeline, {
    model: judge.model,
    scale: options.judge.scale,
    pass: options.judge.pass,
    rubric,
    sampling: samplingOf(judge.provider.parameters, 'judge'),
  });
}
