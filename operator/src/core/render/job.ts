import type { V1EnvVar, V1Job, V1ResourceRequirements, V1Volume } from '@kubernetes/client-node';
import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { durationSeconds } from '../../meta/duration.ts';
import { RUN_TIMEOUT_DEFAULT } from '../time/run-timeouts.ts';
import { artifactsEnv, runArtifactsURL, type ArtifactStore } from './artifact-store.ts';
import { judgeArgs, judgeEnv, type RunJudge } from './judge.ts';
import { kueueJobFields } from './kueue.ts';
import { providerEnv } from './provider-env.ts';
import { resumeEnv } from './resume.ts';
import { LABELS, ANNOTATIONS, MANAGED_BY } from './labels.ts';
import { jobName, runName } from './names.ts';
import { RUNNER_ENV, TARGET_VARIABLES } from '../../../../runner/src/contract/env.ts';
import { EXIT } from '../../../../runner/src/contract/exit-codes.ts';

type Benchmark = BenchmarkSuite['spec']['benchmarks'][number];
type Target = BenchmarkSuite['spec']['targets'][number];
type Resources = { requests?: Record<string, string | number>; limits?: Record<string, string | number> };

/** Everything one Job depends on: the renderer reads nothing else, so its output is reproducible. */
export interface JobRenderInput {
  suite: Pick<BenchmarkSuite, 'apiVersion' | 'kind' | 'metadata' | 'spec'> & {
    /** Read for status.lastHandledScheduleTime only (see ANNOTATIONS.scheduleHandledThrough). */
    status?: BenchmarkSuite['status'];
  };
  round: number;
  benchmark: Benchmark;
  target: Target;
  attempt: number;
  /** The provider the run uses: the target's, or a failover provider's while its circuit is open. */
  provider: Pick<ProviderPolicy, 'metadata' | 'spec'>;
  /** The model at that provider (after a failover's model mapping). */
  model: string;
  schedulePolicy?: Pick<SchedulePolicy, 'spec'> | undefined;
  /** The Git revision that defined the suite, when known. */
  sourceRevision?: string | undefined;
  /** The administrator's artifact store, when one is configured (--artifacts-*). */
  artifacts?: ArtifactStore | undefined;
  /** The benchmark's judge and its ProviderPolicy, when the benchmark has one. */
  judge?: RunJudge | undefined;
}

const CONTAINER = 'runner';

/**
 * The operator's own scratch volume: the root filesystem is read-only, so /tmp is an emptyDir. The
 * CRD reserves its name and mount path (CEL rules on runner.volumes and volumeMounts).
 */
export const TMP_VOLUME_NAME = 'tmp';
const TMP_MOUNT_PATH = '/tmp';

/** The runner contract's exit codes the operator classifies a failure by (core/suite/run-state.ts). */
const CLASSIFIED_EXIT_CODES = [
  EXIT.configError,
  EXIT.providerUnavailable,
  EXIT.providerRateLimited,
  EXIT.credentialsRejected,
  EXIT.judgeUnavailable,
  EXIT.judgeRateLimited,
  EXIT.judgeCredentialsRejected,
];

/**
 * The Job of one run attempt, deterministic in its input (the Job name included), so server-side
 * apply of the same input is a no-op and `benchctl render` shows exactly what the operator creates.
 */
export function renderJob(input: JobRenderInput): V1Job {
  const { suite, round, benchmark, target, attempt, provider, model } = input;
  const policy = input.schedulePolicy?.spec;
  const shards = benchmark.shards ?? 1;
  const run = runName(benchmark.name, target.name);
  const name = jobName(suite.metadata.name!, round, benchmark.name, target.name, attempt);
  const labels: Record<string, string> = {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.suite]: suite.metadata.name!,
    [LABELS.round]: String(round),
    [LABELS.run]: run,
    [LABELS.benchmark]: benchmark.name,
    [LABELS.target]: target.name,
    [LABELS.provider]: provider.metadata.name!,
    ...(input.judge ? { [LABELS.judgeProvider]: input.judge.provider.metadata.name! } : {}),
    [LABELS.attempt]: String(attempt),
  };
  const annotations: Record<string, string> = {
    [ANNOTATIONS.generation]: String(suite.metadata.generation ?? 0),
    [ANNOTATIONS.model]: model,
    ...(input.sourceRevision ? { [ANNOTATIONS.sourceRevision]: input.sourceRevision } : {}),
    ...(suite.status?.lastHandledScheduleTime
      ? { [ANNOTATIONS.scheduleHandledThrough]: suite.status.lastHandledScheduleTime }
      : {}),
  };
  const deadline = benchmark.timeout ?? policy?.runTimeout ?? RUN_TIMEOUT_DEFAULT;
  const placement = policy?.placement;
  const kueue = kueueJobFields(policy);

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: suite.metadata.namespace!,
      // Kueue's queue label on the Job alone: Kueue reads it there, and the pods stay the operator's.
      labels: { ...labels, ...kueue.labels },
      annotations,
      ownerReferences: [
        {
          apiVersion: suite.apiVersion ?? 'bench.dev/v1alpha1',
          kind: suite.kind ?? 'BenchmarkSuite',
          name: suite.metadata.name!,
          uid: suite.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...(kueue.suspend ? { suspend: true } : {}),
      completions: shards,
      parallelism: shards,
      ...(shards > 1 ? { completionMode: 'Indexed' } : {}),
      // The operator owns retries (with backoff, circuit breaking and failover): the Job runs once.
      backoffLimit: 0,
      activeDeadlineSeconds: durationSeconds(deadline),
      ...(policy?.ttlAfterFinished
        ? { ttlSecondsAfterFinished: durationSeconds(policy.ttlAfterFinished) }
        : {}),
      podFailurePolicy: {
        rules: [
          // Preempted or evicted: Kubernetes replaces the pod without counting a failure.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // The contract's exit codes fail the Job with a message naming the code, so the
          // operator can classify a failure from the Job alone, even after its pods are gone.
          {
            action: 'FailJob',
            onExitCodes: { containerName: CONTAINER, operator: 'In', values: CLASSIFIED_EXIT_CODES },
          },
        ],
      },
      template: {
        // The operator's annotations win: they identify the run.
        metadata: { labels, annotations: { ...suite.spec.runner.podAnnotations, ...annotations } },
        spec: {
          restartPolicy: 'Never',
          ...(suite.spec.runner.serviceAccountName
            ? { serviceAccountName: suite.spec.runner.serviceAccountName }
            : {}),
          // Runners talk to AI providers, not to the Kubernetes API.
          automountServiceAccountToken: false,
          ...(policy?.priorityClassName ? { priorityClassName: policy.priorityClassName } : {}),
          ...(placement?.nodeSelector ? { nodeSelector: placement.nodeSelector } : {}),
          ...(placement?.affinity ? { affinity: placement.affinity } : {}),
          ...(placement?.tolerations ? { tolerations: placement.tolerations } : {}),
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: CONTAINER,
              image: suite.spec.runner.image,
              ...(suite.spec.runner.command ? { command: suite.spec.runner.command } : {}),
              args: [
                ...(input.judge ? judgeArgs(input.judge.spec) : []),
                ...(suite.spec.runner.args ?? []),
                ...(benchmark.args ?? []),
              ],
              env: runnerEnv(input, run, shards),
              resources: mergeResources(policy?.resources, suite.spec.runner.resources, benchmark.resources),
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              // The operator's first, then the suite's, in the order written: a stable pod template.
              volumeMounts: [
                { name: TMP_VOLUME_NAME, mountPath: TMP_MOUNT_PATH },
                ...mergeBy(
                  (mount) => mount.mountPath,
                  suite.spec.runner.volumeMounts,
                  benchmark.volumeMounts,
                ),
              ],
            },
          ],
          volumes: [
            { name: TMP_VOLUME_NAME, emptyDir: {} },
            ...((suite.spec.runner.volumes ?? []) as V1Volume[]),
          ],
        },
      },
    },
  };
}

function runnerEnv(input: JobRenderInput, run: string, shards: number): V1EnvVar[] {
  const { suite, round, benchmark, target, provider, model } = input;
  const env: V1EnvVar[] = [
    { name: RUNNER_ENV.suite, value: suite.metadata.name! },
    { name: RUNNER_ENV.round, value: String(round) },
    { name: RUNNER_ENV.run, value: run },
    { name: RUNNER_ENV.benchmark, value: benchmark.name },
    { name: RUNNER_ENV.target, value: target.name },
    ...providerEnv(TARGET_VARIABLES, provider, model, target.parameters),
    { name: RUNNER_ENV.shards, value: String(shards) },
    ...(input.judge ? judgeEnv(input.judge) : []),
    ...resumeEnv({ suite, round, run, artifacts: input.artifacts }),
    ...(input.artifacts
      ? artifactsEnv(
          input.artifacts,
          runArtifactsURL(input.artifacts, {
            namespace: suite.metadata.namespace!,
            suite: suite.metadata.name!,
            round,
            run,
          }),
        )
      : []),
  ];
  return mergeBy(
    (variable) => variable.name,
    env,
    suite.spec.runner.env as V1EnvVar[] | undefined,
    benchmark.env as V1EnvVar[] | undefined,
  );
}

/**
 * Later lists win by key (a variable's name, a mount's path), in the place of the entry they
 * replace: order is kept, so `$(VAR)` references resolve as written and the pod template is stable.
 */
function mergeBy<T>(key: (item: T) => string, ...lists: Array<readonly T[] | undefined>): T[] {
  const merged = new Map<string, T>();
  for (const list of lists) for (const item of list ?? []) merged.set(key(item), item);
  return [...merged.values()];
}

/** Per resource name, the benchmark's value wins over the runner's, which wins over the policy's. */
export function mergeResources(...layers: Array<Resources | undefined>): V1ResourceRequirements {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer?.requests ?? {})) requests[key] = String(value);
    for (const [key, value] of Object.entries(layer?.limits ?? {})) limits[key] = String(value);
  }
  return {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}
