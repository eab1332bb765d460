/**
 * bench-runner's command line: the benchmark (dataset, mode, scorer) and how to run it. The
 * arguments are the suite's `runner.args` followed by the benchmark's `args`; sampling settings not
 * given here come from the target's parameters (BENCH_PARAMETERS: temperature, maxTokens, topP).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PASS, JUDGE_SCALES, SCALE_RANGE, type JudgeScale } from '../judge/scale.ts';
import { ITEM_SCORER_NAMES, type ItemScorerName } from '../scoring/scorers.ts';
import { ConfigError } from './errors.ts';

export type Mode = 'accuracy' | 'latency';

export interface BenchmarkOptions {
  /** A file, an http(s) URL, or env:NAME. */
  dataset: string;
  mode: Mode;
  /** The scorer of items that name none. */
  scorer: ItemScorerName | undefined;
  /** The first N items of the dataset (before sharding). */
  maxItems: number | undefined;
  concurrency: number;
  maxOutputTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  requestTimeoutMs: number;
  maxAttempts: number;
  /** Items that may fail (after retries) with the run still succeeding, as a fraction of its items. */
  maxFailedFraction: number;
  /** On SIGTERM, how long in-flight requests may still finish. */
  drainTimeoutMs: number;
  resultsFile: string | undefined;
  progressIntervalMs: number;
  judge: JudgeOptions;
}

/** How the judge scorer grades (docs/runner-contract.md, Judge). */
export interface JudgeOptions {
  /** --judge-rubric as given: the text, env:NAME or a file path; items may have their own. */
  rubric: string | undefined;
  scale: JudgeScale;
  /** The lowest score that passes: --judge-pass, else the scale's default. */
  pass: number;
  /** Score a labelled set and report the judge's agreement with the labels. */
  calibration: boolean;
}

/** Sampling settings a provider's parameters (BENCH_PARAMETERS, BENCH_JUDGE_PARAMETERS) may give. */
export type SamplingParameters = Pick<BenchmarkOptions, 'maxOutputTokens' | 'temperature' | 'topP'>;

function wholeNumber(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new InvalidArgumentError(`must be a whole number from ${min}`);
    }
    return Number(value);
  };
}

function number(min: number, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a number from ${min}${max === Infinity ? '' : ` to ${max}`}`);
    }
    return n;
  };
}

/**
 * Durations are read, defaulted and shown in --help in seconds, as their flags say, and become
 * milliseconds only in the options parseArguments returns: Commander shows and uses a default as
 * given, without passing it through the option's parser.
 */
const seconds = number(0);
const milliseconds = (s: number) => Math.round(s * 1000);
const positiveSeconds = (value: string) => {
  const s = seconds(value);
  if (milliseconds(s) < 1) throw new InvalidArgumentError('must be a positive number of seconds');
  return s;
};

/** A sampling setting from the target's (or the judge's) parameters. */
function fromParameters(
  parameters: Record<string, string>,
  name: string,
  parse: (value: string) => number,
  whose: 'target' | 'judge',
): number | undefined {
  const value = parameters[name];
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (error) {
    throw new ConfigError(`${whose} parameter ${name} ${(error as Error).message}, not ${JSON.stringify(value)}`);
  }
}

function program(): Command {
  return new Command('bench-runner')
    .description(
      'Runs one benchmark of a BenchmarkSuite against the provider and model of the runner contract ' +
        '(BENCH_* environment, docs/runner-contract.md), printing per-item results as JSON lines on stdout ' +
        'and writing {score, metrics, usage} as the termination message.',
    )
    .requiredOption('--dataset <source>', 'JSONL items: a file, an http(s) URL, or env:NAME (the JSONL in a variable)')
    .addOption(
      new Option('--mode <mode>', 'accuracy: score answers; latency: stream and time them')
        .choices(['accuracy', 'latency'])
        .default('accuracy'),
    )
    .addOption(new Option('--scorer <scorer>', 'scorer of items that name none').choices(ITEM_SCORER_NAMES))
    .option('--max-items <n>', 'only the first n items of the dataset (before sharding)', wholeNumber(1))
    .option('--concurrency <n>', 'requests in flight at once', wholeNumber(1), 4)
    .option('--max-output-tokens <n>', 'output token limit (default: parameter maxTokens)', wholeNumber(1))
    .option('--temperature <t>', 'sampling temperature (default: parameter temperature)', number(0, 2))
    .option('--top-p <p>', 'nucleus sampling (default: parameter topP)', number(0, 1))
    .option('--request-timeout <seconds>', 'per request attempt', positiveSeconds, 120)
    .option('--max-attempts <n>', 'attempts per item, retries included', wholeNumber(1), 4)
    .option(
      '--max-failed-fraction <f>',
      'items that may fail after retries with the run still succeeding',
      number(0, 1),
      0.05,
    )
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long in-flight requests may finish', seconds, 5)
    .option('--results-file <path>', 'also write the per-item JSON lines to this file')
    .option('--progress-interval <seconds>', 'at most one progress line per interval', seconds, 10)
    .option('--judge-rubric <rubric>', 'judge scorer: grading criteria of items without their own (text, env:NAME, or a file path)')
    .addOption(
      new Option('--judge-scale <scale>', 'judge scorer: the scale the judge rates on').choices(JUDGE_SCALES).default('pass-fail'),
    )
    .option('--judge-pass <n>', 'judge scorer: the lowest rating that passes (default: 1, 4 of 5, 7 of 10)', number(0))
    .option('--judge-calibration', 'judge scorer: score labelled items and report agreement (Cohen’s kappa)', false)
    .helpOption('-h, --help', 'show this help')
    .exitOverride();
}

/** The options, or 'help' when help was asked for (and printed with `printHelp`). */
export function parseArguments(argv: readonly string[], printHelp: (text: string) => void): BenchmarkOptions | 'help' {
  const command = program().configureOutput({ writeOut: printHelp, writeErr: () => {} });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 'help';
      throw new ConfigError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  const o = command.opts<Record<string, unknown>>();
  return {
    dataset: o.dataset as string,
    mode: o.mode as Mode,
    scorer: o.scorer as ItemScorerName | undefined,
    maxItems: o.maxItems as number | undefined,
    concurrency: o.concurrency as number,
    maxOutputTokens: o.maxOutputTokens as number | undefined,
    temperature: o.temperature as number | undefined,
    topP: o.topP as number | undefined,
    requestTimeoutMs: milliseconds(o.requestTimeout as number),
    maxAttempts: o.maxAttempts as number,
    maxFailedFraction: o.maxFailedFraction as number,
    drainTimeoutMs: milliseconds(o.drainTimeout as number),
    resultsFile: o.resultsFile as string | undefined,
    progressIntervalMs: milliseconds(o.progressInterval as number),
    judge: judgeOptions(o),
  };
}

function judgeOptions(o: Record<string, unknown>): JudgeOptions {
  const scale = o.judgeScale as JudgeScale;
  const pass = (o.judgePass as number | undefined) ?? DEFAULT_PASS[scale];
  const { min, max } = SCALE_RANGE[scale];
  if (pass < min || pass > max) {
    throw new ConfigError(`--judge-pass ${pass} is not on the ${scale} scale (${min} to ${max})`);
  }
  return {
    rubric: o.judgeRubric as string | undefined,
    scale,
    pass,
    calibration: o.judgeCalibration as boolean,
  };
}

/** The sampling settings a provider's parameters give (maxTokens, temperature, topP). */
export function samplingOf(parameters: Record<string, string>, whose: 'target' | 'judge'): SamplingParameters {
  return {
    maxOutputTokens: fromParameters(parameters, 'maxTokens', wholeNumber(1), whose),
    temperature: fromParameters(parameters, 'temperature', number(0, 2), whose),
    topP: fromParameters(parameters, 'topP', number(0, 1), whose),
  };
}

/** The sampling settings the command line leaves open, from the target's parameters. */
export function withTargetParameters(options: BenchmarkOptions, parameters: Record<string, string>): BenchmarkOptions {
  const target = samplingOf(parameters, 'target');
  return {
    ...options,
    maxOutputTokens: options.maxOutputTokens ?? target.maxOutputTokens,
    temperature: options.temperature ?? target.temperature,
    topP: options.topP ?? target.topP,
  };
}
