// What a run of a benchmark with a judge (spec.benchmarks[].judge) is told about it: how to reach
// the judge's provider (provider-env.ts, under the BENCH_JUDGE_ names) and how to grade
// (bench-runner's --scorer=judge and --judge-* arguments; docs/runner-contract.md, Judge).
import type { V1EnvVar } from '@kubernetes/client-node';
import type { Judge, ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { JUDGE_VARIABLES, RUNNER_ENV } from '../../../../runner/src/contract/env.ts';
import { providerEnv } from './provider-env.ts';

/** A benchmark's judge with the ProviderPolicy it names. */
export interface RunJudge {
  spec: Judge;
  provider: Pick<ProviderPolicy, 'metadata' | 'spec'>;
}

export function judgeEnv(judge: RunJudge): V1EnvVar[] {
  return [
    ...providerEnv(JUDGE_VARIABLES, judge.provider, judge.spec.model, judge.spec.parameters),
    // The rubric as a variable, not an argument: bench-runner reads an argument that starts with
    // env: or names a file as a reference, and a rubric may say anything.
    ...(judge.spec.rubric ? [{ name: RUNNER_ENV.judgeRubric, value: judge.spec.rubric }] : []),
  ];
}

/**
 * bench-runner's arguments for the judge, before the suite's and the benchmark's own, which may
 * still override them (a later flag wins).
 */
export function judgeArgs(judge: Judge): string[] {
  return [
    '--scorer=judge',
    `--judge-scale=${judge.scale ?? 'pass-fail'}`,
    ...(judge.passAt !== undefined ? [`--judge-pass=${judge.passAt}`] : []),
    ...(judge.rubric ? [`--judge-rubric=env:${RUNNER_ENV.judgeRubric}`] : []),
  ];
}
