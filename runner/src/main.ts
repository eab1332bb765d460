/**
 * bench-runner: one benchmark of a BenchmarkSuite against one target, as a Job's container (bin/bench-runner
 * runs it with Node 24). Reads the runner contract's environment and the benchmark's arguments,
 * evaluates this shard's items through the request pipeline, prints per-item results, writes them and
 * the results to the artifact store when one is configured, writes the termination message and exits
 * with the contract's code (docs/runner-contract.md).
 */
import { writeFileSync } from 'node:fs';
import { withArtifacts } from './artifacts/run-artifacts.ts';
import { createPipeline } from './client/pipeline.ts';
import { parseArguments, withTargetParameters, type BenchmarkOptions } from './config/args.ts';
import { readEnvironment, DEFAULT_TERMINATION_MESSAGE_PATH, type RunnerEnvironment } from './config/env.ts';
import { createJudge, judgeRubric } from './judge/create-judge.ts';
import { ConfigError } from './config/errors.ts';
import { parseDataset } from './dataset/items.ts';
import { itemsOfShard } from './dataset/shard.ts';
import { DatasetUnavailableError, readDatasetSource } from './dataset/source.ts';
import { itemRequest } from './evaluate/item-request.ts';
import { shardOutcomes } from './evaluate/outcomes.ts';
import { runItems } from './evaluate/run-items.ts';
import { summarize, type RunResult } from './evaluate/summary.ts';
import { exitCodeOfProviderError, runOutcome, type RunOutcome } from './outcome/exit-code.ts';
import { EXIT } from './contract/exit-codes.ts';
import { RUNNER_ENV } from './contract/env.ts';
import { terminationMessage } from './outcome/termination-message.ts';
import { createProgress } from './output/progress.ts';
import { createReporter, secretsOf, type Reporter } from './output/reporter.ts';
import { createProvider } from './providers/index.ts';
import { ProviderError } from './providers/types.ts';
import { resumeContext } from './resume/key.ts';
import { openResumeAt } from './resume/resume.ts';

const env = process.env;
const reporter = createReporter(
  process.stdout,
  process.stderr,
  secretsOf(env[RUNNER_ENV.apiKey], env[RUNNER_ENV.judgeApiKey]),
);
const log = (line: string) => reporter.log(`bench-runner: ${line}`);

// From the start: a SIGTERM while the dataset loads must not kill the process without a result.
const interrupt = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log(`${signal}: no new requests; writing a partial result`);
    interrupt.abort();
  });
}

/** The outcome of a failure before or outside the items: configuration, credentials, a bug. */
function outcomeOfError(error: unknown): RunOutcome {
  if (interrupt.signal.aborted && error === interrupt.signal.reason) {
    return { code: EXIT.interrupted, reason: 'interrupted by SIGTERM before the items ran' };
  }
  if (error instanceof ConfigError) return { code: EXIT.configError, reason: error.message };
  if (error instanceof ProviderError) return { code: exitCodeOfProviderError(error), reason: error.message };
  if (error instanceof DatasetUnavailableError) return { code: EXIT.runFailure, reason: error.message };
  return { code: EXIT.runFailure, reason: `unexpected error: ${(error as Error).stack ?? String(error)}` };
}

async function benchmark(
  options: BenchmarkOptions,
  runner: RunnerEnvironment,
  out: Reporter,
): Promise<{ result: RunResult; outcome: RunOutcome }> {
  const dataset = parseDataset(await readDatasetSource(options.dataset, env, interrupt.signal), {
    mode: options.mode,
    defaultScorer: options.scorer,
    judge: { ...options.judge, rubric: options.judge.rubric !== undefined },
  });
  const items = itemsOfShard(dataset.slice(0, options.maxItems), runner.shard);
  if (options.resultsFile) out.openResultsFile(options.resultsFile);
  const provider = createProvider(runner.provider);
  log(
    `${runner.run ?? 'run'}: ${items.length} items (shard ${runner.shard.index + 1} of ${runner.shard.count}, ` +
      `${dataset.length} in the dataset), ${options.mode} mode, ${runner.provider.type} ${runner.model}`,
  );
  const rubric = judgeRubric(items, options, env);
  // The items an earlier attempt of this run answered are reported as they were and not asked again.
  const resume = await openResumeAt(runner.checkpoint, {
    items,
    context: resumeContext(runner, options, rubric),
    signal: interrupt.signal,
    clean: (text) => out.clean(text),
    log,
  });
  for (const result of resume.reused.values()) out.result(result);
  const progress = createProgress(
    items.length - resume.reused.size,
    options.progressIntervalMs,
    () => performance.now(),
    log,
  );

  const cancel = new AbortController();
  const pipeline = createPipeline(provider, {
    ...(runner.requestsPerMinute !== undefined ? { requestsPerMinute: runner.requestsPerMinute } : {}),
    ...(runner.tokensPerMinute !== undefined ? { tokensPerMinute: runner.tokensPerMinute } : {}),
    concurrency: options.concurrency,
    requestTimeoutMs: options.requestTimeoutMs,
    maxAttempts: options.maxAttempts,
    signal: cancel.signal,
    onRetry: () => progress.retry(),
  });
  const judge = createJudge({
    items,
    runner,
    options,
    rubric,
    signal: cancel.signal,
    onRetry: () => progress.retry(),
    log,
  });
  const started = performance.now();
  const startedAt = new Date();
  const run = await runItems({
    items,
    pipeline,
    request: (item) => itemRequest(item, runner.model, options),
    concurrency: options.concurrency,
    maxFailedFraction: options.maxFailedFraction,
    interrupt: interrupt.signal,
    drainTimeoutMs: options.drainTimeoutMs,
    cancel,
    judge,
    done: resume.reused,
    onResult: (result) => {
      out.result(result);
      progress.item(result);
      resume.record(result);
    },
  });
  progress.report();
  const elapsedMs = performance.now() - started;
  const interrupted = run.stopped === 'interrupted';
  // Kept before the result is final: a retry must find every answer this attempt reports.
  const checkpointMetrics = await resume.finish(interrupted);
  const results = resume.merge(run.results);
  const summary = resume.account(
    summarize({
      mode: options.mode,
      items: items.length,
      results,
      elapsedMs,
      interrupted,
      retries: progress.retries,
      judgeCalibration: options.judge.calibration ? options.judge.scale : undefined,
    }),
    elapsedMs,
  );
  // The shard's items and results go to the artifact store, when one is configured, before the result is final.
  const artifacts = { runner, mode: options.mode, items: items.length, results, interrupted };
  const finishedAt = new Date();
  return {
    result: await withArtifacts(
      { ...artifacts, startedAt, finishedAt, clean: (text) => out.clean(text), log },
      {
        ...summary,
        metrics: { ...summary.metrics, ...checkpointMetrics },
        outcomes: shardOutcomes(items, results, runner.shard),
      },
    ),
    outcome: runOutcome({
      items: items.length,
      failures: run.failures,
      interrupted,
      maxFailedFraction: options.maxFailedFraction,
    }),
  };
}

async function main(): Promise<number> {
  let result: RunResult = { metrics: {}, usage: { inputTokens: 0, outputTokens: 0 } };
  let outcome: RunOutcome;
  let terminationPath = env.TERMINATION_MESSAGE_PATH || DEFAULT_TERMINATION_MESSAGE_PATH;
  try {
    const parsed = parseArguments(process.argv.slice(2), (text) => process.stdout.write(text));
    if (parsed === 'help') return EXIT.success;
    const runner = readEnvironment(env);
    terminationPath = runner.terminationMessagePath;
    ({ result, outcome } = await benchmark(
      withTargetParameters(parsed, runner.provider.parameters),
      runner,
      reporter,
    ));
  } catch (error) {
    outcome = outcomeOfError(error);
  }
  const message = terminationMessage({
    ...result,
    ...(outcome.reason ? { error: reporter.clean(outcome.reason) } : {}),
  });
  try {
    writeFileSync(terminationPath, message);
  } catch (error) {
    log(`the result could not be written to ${terminationPath} (${(error as NodeJS.ErrnoException).code})`);
  }
  if (outcome.reason) log(`error: ${outcome.reason}`);
  log(`result: ${message}`);
  log(`exit code ${outcome.code}`);
  await reporter.close();
  return outcome.code;
}

const code = await main();
// Idle keep-alive connections to the provider must not hold the process once all is written.
process.exit(code);
