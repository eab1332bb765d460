import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { EXIT } from '../../../../runner/src/contract/exit-codes.ts';
import { RETRY_DEFAULTS, retryDelayMs } from '../scheduling/backoff.ts';
import type { AttemptObservation } from './observe.ts';
import { startTimeoutMs } from '../time/run-timeouts.ts';
import { kueueWait } from './kueue-wait.ts';
import { isPodProblemReason, RETRIED, stopsAtOnce } from './pod-problems.ts';
import type { RunResult } from './result.ts';
import type { RunCosts } from './run-costs.ts';
import { runName } from '../render/names.ts';
import { shorten } from '../status/text.ts';
import type { RunSpec } from './runs.ts';

export type RunStatusEntry = NonNullable<NonNullable<BenchmarkSuite['status']>['runs']>[number];
export type RunStateName = RunStatusEntry['state'];

/**
 * How a failed attempt counts: the runner contract's exit codes, the judge's provider's failures
 * apart from the target's; `pod` when Kubernetes ended it (docs/run-failures.md), which is never
 * the provider's failure; `run` for the rest, timeouts included (a slow provider and a slow
 * benchmark look the same from here).
 */
export type FailureClass =
  'config' | 'credentials' | 'provider' | 'judgeCredentials' | 'judgeProvider' | 'pod' | 'run';

const CLASS_OF_EXIT_CODE: Partial<Record<number, FailureClass>> = {
  [EXIT.configError]: 'config',
  [EXIT.credentialsRejected]: 'credentials',
  [EXIT.providerUnavailable]: 'provider',
  [EXIT.providerRateLimited]: 'provider',
  [EXIT.judgeCredentialsRejected]: 'judgeCredentials',
  [EXIT.judgeUnavailable]: 'judgeProvider',
  [EXIT.judgeRateLimited]: 'judgeProvider',
};

export function classifyFailure(attempt: AttemptObservation): FailureClass {
  const reason = attempt.failure?.reason ?? '';
  if (isPodProblemReason(reason)) return 'pod';
  const code = attempt.failure?.exitCode;
  return (code !== undefined && CLASS_OF_EXIT_CODE[code]) || 'run';
}

/** What the operator knows of one run now, before admission decides anything. */
export interface RunState {
  spec: RunSpec;
  state: RunStateName;
  reason: string;
  message: string;
  /** The attempt number of the latest Job, 0 before the first. */
  attempt: number;
  job?: string;
  provider?: string;
  model?: string;
  startTime?: string;
  completionTime?: string;
  result?: RunResult;
  /** What the result cost in money (run-costs.ts), where the providers have prices. */
  costs?: RunCosts;
  /** The run may get a Job now (its dependencies allow it and any backoff has passed). */
  admissible: boolean;
  /** For a run waiting out a backoff: when it may be admitted (ms since the epoch). */
  retryAt?: number;
  /** The failure class of the latest failed attempt. */
  failureClass?: FailureClass;
  /** The latest attempt's runner did not start in time (or cannot): the operator stops its Job. */
  stop?: { job: string; reason: string; message: string };
  /** When this state changes by the clock alone (ms): a start timeout running out. */
  wakeAt?: number;
}

export interface RunStateInput {
  spec: RunSpec;
  /** This round's attempts of the run, oldest first (Jobs observed, plus Jobs created but not yet seen). */
  attempts: AttemptObservation[];
  /** The run's entry in status, for what the Jobs no longer show (a Job removed by its TTL). */
  previous?: RunStatusEntry | undefined;
  retry: BenchmarkSuite['spec']['retry'];
  /** The suite's key, seeding retry jitter. */
  suiteKey: string;
  /** How long an attempt may wait for its runner to start (SchedulePolicy startTimeout; absent: its default). */
  startTimeoutMs?: number | undefined;
  now: number;
}

/**
 * The longest failure message quoted in a run's message: status.runs[].message holds 512
 * characters, and the rest of the message ("attempt 3 failed (exit code 10): ...; retrying at
 * 2026-11-22T12:00:00.000Z") takes at most about 100.
 */
const FAILURE_MESSAGE_LENGTH = 400;

const TERMINAL: ReadonlySet<RunStateName> = new Set(['Succeeded', 'Failed', 'Blocked']);

export function isTerminal(state: RunStateName): boolean {
  return TERMINAL.has(state);
}

/** The state of a run from its own attempts (dependencies are applied by deriveRunStates). */
export function deriveRunState(input: RunStateInput): RunState {
  const { spec, attempts, previous, now } = input;
  const latest = attempts.at(-1);
  if (!latest) {
    if (previous && isTerminal(previous.state)) return fromPrevious(spec, previous);
    return {
      spec,
      state: 'Queued',
      reason: 'Queued',
      message: 'waiting to be admitted',
      attempt: 0,
      admissible: true,
    };
  }
  const base = {
    spec,
    attempt: latest.attempt,
    job: latest.job,
    provider: latest.provider,
    model: latest.model,
    ...(latest.startTime ? { startTime: latest.startTime } : {}),
  };
  if (latest.phase === 'Active') {
    return { ...base, state: 'Running', admissible: false, ...activeProgress(latest, input) };
  }
  const finished = { ...base, ...(latest.completionTime ? { completionTime: latest.completionTime } : {}) };
  if (latest.phase === 'Succeeded') {
    return {
      ...finished,
      state: 'Succeeded',
      reason: latest.resultError ? 'ResultUnreadable' : 'Succeeded',
      message: latest.resultError ?? `attempt ${latest.attempt} succeeded`,
      ...(latest.result ? { result: latest.result } : {}),
      admissible: false,
    };
  }
  const failureClass = classifyFailure(latest);
  const failure = latest.failure!;
  const code = failure.exitCode !== undefined ? ` (exit code ${failure.exitCode})` : '';
  const limit = input.retry?.limit ?? RETRY_DEFAULTS.limit;
  // The failure's own words (a pod's termination message may hold 4 KiB) shortened so that what
  // follows them (retried when, or not) still fits the status message (suite-status.ts).
  const what = `attempt ${latest.attempt} failed${code}: ${shorten(failure.message, FAILURE_MESSAGE_LENGTH)}`;
  const podReason = failureClass === 'pod' ? failure.reason : undefined;
  if (
    failureClass === 'config' ||
    failureClass === 'credentials' ||
    failureClass === 'judgeCredentials' ||
    (podReason && !RETRIED[podReason as keyof typeof RETRIED])
  ) {
    const reason = podReason ?? (failureClass === 'config' ? 'BenchmarkError' : 'CredentialsRejected');
    return {
      ...finished,
      state: 'Failed',
      reason,
      message: `${what}; not retried`,
      failureClass,
      admissible: false,
    };
  }
  if (latest.attempt > limit) {
    return {
      ...finished,
      state: 'Failed',
      reason: podReason ?? 'RetriesExhausted',
      message: `${what}; no retries left (limit ${limit})`,
      failureClass,
      admissible: false,
    };
  }
  const completed = latest.completionTime ? Date.parse(latest.completionTime) : now;
  const retryAt = completed + retryDelayMs(input.retry, latest.attempt, `${input.suiteKey}/${spec.name}`);
  const waiting = retryAt > now;
  return {
    ...finished,
    state: 'Retrying',
    reason: waiting ? 'Backoff' : 'Retrying',
    message: waiting
      ? `${what}; retrying at ${new Date(retryAt).toISOString()}`
      : `${what}; attempt ${latest.attempt + 1} of ${limit + 1} is waiting to be admitted`,
    failureClass,
    admissible: !waiting,
    retryAt,
  };
}

/**
 * A running attempt's reason and message: Running, or what keeps its runner from starting (with
 * when the operator stops it: at once when waiting cannot help), or that Kubernetes replaced one
 * of its pods.
 */
function activeProgress(
  latest: AttemptObservation,
  input: RunStateInput,
): Pick<RunState, 'reason' | 'message' | 'stop' | 'wakeAt'> {
  const { notStarted, disrupted, stopped } = latest;
  const timeout = input.startTimeoutMs ?? startTimeoutMs(undefined);
  const replaced = disrupted
    ? `pod ${disrupted.pod} was ${disrupted.reason.toLowerCase()} (${disrupted.message}); the Job replaced it`
    : undefined;
  if (stopped) return { reason: stopped.reason, message: `stopping Job ${latest.job}: ${stopped.message}` };
  if (latest.kueue) return kueueWait(latest, latest.kueue.localQueue, input.previous);
  if (!notStarted) {
    if (disrupted) return { reason: disrupted.reason, message: `Job ${latest.job} is running; ${replaced}` };
    return { reason: 'Running', message: `Job ${latest.job} is running` };
  }
  const { problem } = notStarted;
  const stopAt = problem && stopsAtOnce(problem) ? input.now : notStarted.since + timeout;
  const what = problem ? `pod ${problem.pod}: ${problem.message}` : replaced;
  if (input.now >= stopAt) {
    const reason = problem?.reason ?? disrupted?.reason ?? 'NotStarted';
    const within =
      problem && stopsAtOnce(problem) ? 'cannot start' : `did not start within ${seconds(timeout)}`;
    const why = what ?? `Job ${latest.job} has no pod running`;
    return {
      reason,
      message: `${why}; stopping the attempt`,
      stop: { job: latest.job, reason, message: `the runner ${within}: ${why}` },
    };
  }
  // A pod being scheduled and started as usual reads as Running: only a sign of trouble changes
  // the run's status (and makes an Event), so a normal start writes no more status than before.
  if (!what) return { reason: 'Running', message: `Job ${latest.job} is running`, wakeAt: stopAt };
  return {
    reason: problem?.reason ?? disrupted!.reason,
    message: `${what}; the attempt is stopped at ${new Date(stopAt).toISOString()} unless its runner starts`,
    wakeAt: stopAt,
  };
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;

function fromPrevious(spec: RunSpec, previous: RunStatusEntry): RunState {
  return {
    spec,
    state: previous.state,
    reason: previous.reason ?? previous.state,
    message: previous.message ?? '',
    attempt: previous.attempt ?? 1,
    ...(previous.job ? { job: previous.job } : {}),
    ...(previous.provider ? { provider: previous.provider } : {}),
    ...(previous.model ? { model: previous.model } : {}),
    ...(previous.startTime ? { startTime: previous.startTime } : {}),
    ...(previous.completionTime ? { completionTime: previous.completionTime } : {}),
    ...(previous.result ? { result: previous.result } : {}),
    admissible: false,
  };
}

/**
 * The states of all runs of a round. dependsOn holds per target: a run whose dependency (for the
 * same target) failed or was blocked is Blocked for good; one whose dependency has not yet
 * succeeded waits. Runs arrive in dependency order, so dependencies are settled first.
 */
export function deriveRunStates(inputs: RunStateInput[]): RunState[] {
  const byName = new Map<string, RunState>();
  const states: RunState[] = [];
  for (const input of inputs) {
    let state = deriveRunState(input);
    if (state.attempt === 0 && state.state === 'Queued') {
      state = applyDependencies(state, byName);
    }
    byName.set(input.spec.name, state);
    states.push(state);
  }
  return states;
}

function applyDependencies(state: RunState, byName: Map<string, RunState>): RunState {
  const target = state.spec.target.name;
  const dependencies = (state.spec.benchmark.dependsOn ?? []).map((benchmark) => ({
    benchmark,
    state: byName.get(runName(benchmark, target)),
  }));
  const failed = dependencies.find((d) => d.state?.state === 'Failed' || d.state?.state === 'Blocked');
  if (failed) {
    return {
      ...state,
      state: 'Blocked',
      reason: 'DependencyFailed',
      message: `benchmark ${failed.benchmark} ${failed.state!.state === 'Failed' ? 'failed' : 'was blocked'} for target ${target}; this run will not start`,
      admissible: false,
    };
  }
  const pending = dependencies.filter((d) => d.state?.state !== 'Succeeded').map((d) => d.benchmark);
  if (pending.length) {
    return {
      ...state,
      reason: 'WaitingForDependencies',
      message: `waiting for ${pending.join(', ')} to succeed for target ${target}`,
      admissible: false,
    };
  }
  return state;
}
