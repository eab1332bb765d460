import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { mergeResources } from '../render/job.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import { requestsAboveLimits } from '../resources/quantity.ts';
import type { StallReason } from '../status/suite-status.ts';
import { attemptsByRun, type AttemptObservation, type JobView, type PodView } from './observe.ts';
import { deriveRunStates, type RunState } from './run-state.ts';
import { expandRuns, findDependencyCycle } from './runs.ts';

/** What the cache holds for one suite: the inputs of everything the operator decides about it. */
export interface SuiteInputs {
  suite: BenchmarkSuite;
  /** The suite's Jobs (all rounds). */
  jobs: JobView[];
  podsOfJob: (job: JobView) => PodView[];
  /** Jobs created by the operator that the cache has not shown yet, as Active attempts. */
  pendingAttempts: AttemptObservation[];
  /** ProviderPolicies of the suite's namespace, by name. */
  providers: Map<string, ProviderPolicy>;
  schedulePolicy?: SchedulePolicy | undefined;
  now: number;
}

export interface RoundState {
  /** The round the suite is in (0 before the first). */
  current: number;
  /** A new round must start: the first, a spec change, or a re-run request. */
  startNew: boolean;
  /** Why, for the RoundStarted event. */
  why: string;
}

/**
 * The suite's round. The Jobs of a round carry the generation and re-run request they were made
 * for, so the round survives a status write lost in a crash: the highest round seen on a Job is
 * never started again.
 */
export function roundState(suite: BenchmarkSuite, jobs: JobView[]): RoundState {
  const generation = suite.metadata?.generation ?? 0;
  const requestedAt = suite.metadata?.annotations?.[ANNOTATIONS.requestedAt] ?? '';
  const status = suite.status;
  const jobRounds = jobs.map((j) => Number(j.metadata.labels?.[LABELS.round] ?? 0));
  const current = Math.max(status?.round ?? 0, ...jobRounds);
  if (current === 0) return { current, startNew: true, why: 'the suite was created' };
  const roundJobs = jobs.filter((j) => Number(j.metadata.labels?.[LABELS.round]) === current);
  const statusKnowsRound = (status?.round ?? 0) === current;
  const madeFor = (annotation: string): string | undefined =>
    statusKnowsRound ? undefined : roundJobs[0]?.metadata.annotations?.[annotation];
  const roundGeneration = Number(
    madeFor(ANNOTATIONS.generation) ?? status?.roundGeneration ?? status?.observedGeneration ?? 0,
  );
  if (roundGeneration < generation) {
    return { current, startNew: true, why: `the spec changed (generation ${generation})` };
  }
  const handled = madeFor(ANNOTATIONS.requestedAt) ?? status?.lastHandledRequestedAt ?? '';
  if (requestedAt !== '' && requestedAt !== handled) {
    return {
      current,
      startNew: true,
      why: `a re-run was requested (${ANNOTATIONS.requestedAt}: ${requestedAt})`,
    };
  }
  return { current, startNew: false, why: '' };
}

/** Problems that stop the suite until someone fixes them: references and the dependency graph. */
export function stallReason(
  inputs: Pick<SuiteInputs, 'suite' | 'providers' | 'schedulePolicy'>,
): StallReason | undefined {
  const { suite } = inputs;
  const missing: string[] = [];
  if (suite.spec.schedulePolicyRef && !inputs.schedulePolicy) {
    missing.push(`SchedulePolicy ${suite.spec.schedulePolicyRef}`);
  }
  const missingProviders = [...new Set(suite.spec.targets.map((t) => t.providerRef))].filter(
    (name) => !inputs.providers.has(name),
  );
  missing.push(...missingProviders.map((name) => `ProviderPolicy ${name}`));
  if (missing.length) {
    return {
      reason: 'ReferenceMissing',
      message: `${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not exist in namespace ${suite.metadata?.namespace}; create ${missing.length === 1 ? 'it' : 'them'} or fix the reference`,
    };
  }
  const cycle = findDependencyCycle(suite.spec.benchmarks);
  if (cycle) {
    return {
      reason: 'DependencyCycle',
      message: `benchmarks depend on each other in a cycle: ${cycle.join(' → ')}`,
    };
  }
  const policyResources = inputs.schedulePolicy?.spec.resources;
  for (const benchmark of suite.spec.benchmarks) {
    const merged = mergeResources(policyResources, suite.spec.runner.resources, benchmark.resources);
    const above = requestsAboveLimits(merged);
    if (above.length) {
      return {
        reason: 'InvalidResources',
        message: `benchmark ${benchmark.name} would request more ${above.join(' and ')} than its limit once the SchedulePolicy's, the runner's and the benchmark's resources are merged (${JSON.stringify(merged)}); raise the limit or lower the request`,
      };
    }
  }
  for (const target of suite.spec.targets) {
    const allowed = inputs.providers.get(target.providerRef)?.spec.models;
    if (allowed && allowed.length > 0 && !allowed.includes(target.model)) {
      return {
        reason: 'ModelNotAllowed',
        message: `target ${target.name} asks for model ${target.model}, which ProviderPolicy ${target.providerRef} does not allow (allowed: ${allowed.join(', ')})`,
      };
    }
  }
  return undefined;
}

/** The runs of a round with their states, from the round's Jobs, pending creations and the last status. */
export function runStates(inputs: SuiteInputs, round: number): RunState[] {
  const { suite } = inputs;
  const attempts = attemptsByRun(inputs.jobs, inputs.podsOfJob, round);
  for (const pending of inputs.pendingAttempts) {
    if (pending.round !== round) continue;
    const list = attempts.get(pending.run) ?? [];
    if (list.some((a) => a.job === pending.job)) continue;
    attempts.set(
      pending.run,
      [...list, pending].sort((a, b) => a.attempt - b.attempt),
    );
  }
  const previous =
    suite.status?.round === round ? new Map((suite.status.runs ?? []).map((r) => [r.name, r])) : new Map();
  const suiteKey = `${suite.metadata?.namespace}/${suite.metadata?.name}`;
  return deriveRunStates(
    expandRuns(suite.spec).map((spec) => ({
      spec,
      attempts: attempts.get(spec.name) ?? [],
      previous: previous.get(spec.name),
      retry: suite.spec.retry,
      suiteKey,
      now: inputs.now,
    })),
  );
}
