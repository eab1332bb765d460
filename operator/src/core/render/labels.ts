/** The operator marks everything it creates; its Job and Pod watches select on this label. */
export const MANAGED_BY = 'bench-operator';

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  suite: 'bench.dev/suite',
  round: 'bench.dev/round',
  run: 'bench.dev/run',
  benchmark: 'bench.dev/benchmark',
  target: 'bench.dev/target',
  provider: 'bench.dev/provider',
  /** On a Job of a benchmark with a judge: the judge's ProviderPolicy, charged the judge's usage. */
  judgeProvider: 'bench.dev/judge-provider',
  attempt: 'bench.dev/attempt',
} as const;

export const ANNOTATIONS = {
  /** Setting it to a new value starts a new round without changing the spec. */
  requestedAt: 'bench.dev/requested-at',
  /** The Git revision that defined the suite (set by Argo CD or Flux, see the GitOps docs). */
  sourceRevision: 'bench.dev/source-revision',
  /** `owner/repo`: where the suite's rounds are reported as commit statuses (docs/gitops.md). */
  githubRepository: 'bench.dev/github-repository',
  generation: 'bench.dev/generation',
  model: 'bench.dev/model',
  /**
   * On a Job of a scheduled suite: the suite's status.lastHandledScheduleTime when the Job was made,
   * so a tick is known to be handled even when the status write that recorded it is not (yet) seen.
   */
  scheduleHandledThrough: 'bench.dev/schedule-handled-through',
  /**
   * On a Job the operator stopped before its runner started (docs/run-failures.md): the run reason
   * and message, which the Job's own DeadlineExceeded condition does not tell.
   */
  stopReason: 'bench.dev/stop-reason',
  stopMessage: 'bench.dev/stop-message',
  /**
   * On a Job: the operator replica (its leader-election identity) that last created or changed it,
   * so a Job tells which leader acted on it; the chaos test checks no two leaders act at once.
   */
  writtenBy: 'bench.dev/written-by',
} as const;

/** The label selector of the operator's Job and Pod informers. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;
