/**
 * The one step main takes for artifacts: when the contract names a store, write this shard's
 * artifacts and add what happened to the run's result (artifactsFailed: 1 when they could not be
 * written); without a store, the result as it is.
 */
import type { Mode } from '../config/args.ts';
import type { RunnerEnvironment } from '../config/env.ts';
import type { ItemResult } from '../evaluate/item-result.ts';
import type { RunResult } from '../evaluate/summary.ts';
import { lmEvalResults } from './lm-eval-results.ts';
import { ARTIFACTS_TIMEOUT_MS, writeArtifacts, type WriteArtifactsInput } from './write-artifacts.ts';

export interface RunArtifactsContext {
  runner: RunnerEnvironment;
  mode: Mode;
  /** The shard's items, evaluated or not. */
  items: number;
  results: readonly ItemResult[];
  startedAt: Date;
  finishedAt: Date;
  interrupted: boolean;
  clean: (text: string) => string;
  log: (line: string) => void;
  client?: WriteArtifactsInput['client'];
}

export async function withArtifacts<R extends RunResult>(input: RunArtifactsContext, summary: R): Promise<R> {
  const { runner } = input;
  if (!runner.artifacts) return summary;
  const added = await writeArtifacts({
    destination: runner.artifacts,
    shard: runner.shard,
    items: input.results,
    results: lmEvalResults({
      benchmark: runner.identity.benchmark ?? runner.identity.run ?? 'benchmark',
      model: runner.model,
      provider: runner.provider.type,
      mode: input.mode,
      shard: runner.shard,
      identity: runner.identity,
      items: input.items,
      results: input.results,
      summary,
      startedAt: input.startedAt,
      finishedAt: input.finishedAt,
    }),
    clean: input.clean,
    log: input.log,
    timeoutMs: input.interrupted ? ARTIFACTS_TIMEOUT_MS.interrupted : ARTIFACTS_TIMEOUT_MS.normal,
    ...(input.client ? { client: input.client } : {}),
  });
  return { ...summary, metrics: { ...summary.metrics, ...added } };
}
