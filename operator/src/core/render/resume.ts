// Where a run keeps the items it answered, so that a later attempt (or, with reuse: Rounds, a later
// round) asks the provider only for the rest (spec.resume; docs/results.md#resume). bench-runner
// adds each shard's own folder below the one given here.
import type { V1EnvVar } from '@kubernetes/client-node';
import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { RUNNER_ENV } from '../../../../runner/src/contract/env.ts';
import { runArtifactsURL, type ArtifactStore } from './artifact-store.ts';

const MODE = { Attempts: 'attempts', Rounds: 'rounds', Never: 'off' } as const;

export interface ResumeInput {
  suite: Pick<BenchmarkSuite, 'metadata' | 'spec'>;
  round: number;
  run: string;
  artifacts?: ArtifactStore | undefined;
}

/**
 * BENCH_RESUME and the run's checkpoint folder: in spec.resume.directory (a volume of the runner's)
 * or the artifact store, per round (Attempts) or shared by every round (Rounds). Without either
 * there is nowhere to keep answers, and bench-runner starts from the first item.
 */
export function resumeEnv({ suite, round, run, artifacts }: ResumeInput): V1EnvVar[] {
  const reuse = suite.spec.resume?.reuse ?? 'Attempts';
  const mode = { name: RUNNER_ENV.resume, value: MODE[reuse] };
  if (reuse === 'Never') return [mode];
  const name = suite.metadata.name!;
  const namespace = suite.metadata.namespace!;
  const directory = suite.spec.resume?.directory;
  if (directory) {
    const folder = reuse === 'Rounds' ? `${name}/rounds/${run}` : `${name}/${round}/${run}`;
    return [mode, { name: RUNNER_ENV.checkpointDir, value: `${directory.replace(/\/+$/, '')}/${folder}` }];
  }
  if (!artifacts) return [mode];
  const url =
    reuse === 'Rounds'
      ? `s3://${artifacts.bucket}/${artifacts.prefix}${namespace}/${name}/checkpoints/${run}/`
      : `${runArtifactsURL(artifacts, { namespace, suite: name, round, run })}checkpoint/`;
  return [mode, { name: RUNNER_ENV.checkpointUrl, value: url }];
}
