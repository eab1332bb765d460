import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { metaTime, setCondition, removeCondition, type Condition } from '../../runtime/status/conditions.ts';
import { isTerminal, type RunState, type RunStatusEntry } from '../suite/run-state.ts';
import { boundedResult, STATUS_MAX_METRICS } from '../suite/result.ts';
import { shorten } from './text.ts';

export type SuiteStatus = NonNullable<BenchmarkSuite['status']>;
type Phase = NonNullable<SuiteStatus['phase']>;

/** Why the suite cannot make progress without a change by someone: a Stalled condition's content. */
export interface StallReason {
  reason: string;
  message: string;
}

export interface SuiteStatusInput {
  suite: Pick<BenchmarkSuite, 'metadata' | 'spec' | 'status'>;
  round: number;
  runs: RunState[];
  /** The scheduler's latest word on runs still waiting: reason and message, by run name. */
  waiting: Map<string, { reason: string; message: string }>;
  stalled?: StallReason | undefined;
  /** Extra top-level fields owned by other parts of the reconcile (round bookkeeping, schedule times). */
  extra?: Partial<SuiteStatus>;
  now: Date;
}

/**
 * The suite's status from the states of its runs. Conditions follow kstatus: while a round is in
 * progress Reconciling=True and Ready=False; when the round is over Ready=True (whatever the runs'
 * outcome: the phase tells it); when the suite cannot proceed without a fix, Stalled=True and
 * Ready=False with the same reason.
 */
export function computeSuiteStatus(input: SuiteStatusInput): SuiteStatus {
  const { suite, runs, now } = input;
  const generation = suite.metadata?.generation ?? 0;
  const entries = runs.map((run) => runEntry(run, input.waiting.get(run.spec.name)));
  const summary = summarize(entries);
  const finished = summary.succeeded + summary.failed + summary.blocked;
  const allDone = entries.length > 0 && finished === entries.length;
  const phase = phaseOf(entries, summary, allDone, suite.spec.suspend === true);

  let conditions: Condition[] = [...((suite.status?.conditions ?? []) as Condition[])];
  const set = (type: string, status: Condition['status'], reason: string, message: string): void => {
    conditions = setCondition(
      conditions,
      { type, status, reason, message, observedGeneration: generation },
      now,
    );
  };
  if (input.stalled) {
    set('Stalled', 'True', input.stalled.reason, input.stalled.message);
    set('Ready', 'False', input.stalled.reason, input.stalled.message);
    conditions = removeCondition(conditions, 'Reconciling');
  } else {
    conditions = removeCondition(conditions, 'Stalled');
    const counts = `${summary.succeeded}/${entries.length} runs succeeded`;
    if (allDone) {
      const failed = summary.failed + summary.blocked;
      set(
        'Ready',
        'True',
        failed ? 'RoundFailed' : 'RoundSucceeded',
        `round ${input.round} finished: ${counts}${failed ? `, ${summary.failed} failed, ${summary.blocked} blocked` : ''}`,
      );
      conditions = removeCondition(conditions, 'Reconciling');
    } else if (waitsForSchedule(entries, finished)) {
      // Nothing is in progress until the schedule fires: for kstatus (Flux, Argo CD) the suite is
      // current, not progressing for hours.
      const message = entries.find((e) => e.reason === WAITING_FOR_SCHEDULE)!.message ?? '';
      set('Ready', 'True', WAITING_FOR_SCHEDULE, message);
      conditions = removeCondition(conditions, 'Reconciling');
    } else if (phase === 'Suspended' && summary.running === 0) {
      set(
        'Ready',
        'True',
        'Suspended',
        `the suite is suspended with ${finished}/${entries.length} runs finished`,
      );
      conditions = removeCondition(conditions, 'Reconciling');
    } else {
      const progress = `round ${input.round}: ${finished}/${entries.length} runs finished, ${summary.running} running, ${summary.queued} waiting`;
      set('Reconciling', 'True', phase === 'Running' ? 'RoundRunning' : 'RoundWaiting', progress);
      set('Ready', 'False', 'RoundInProgress', progress);
    }
  }

  const completionTime = allDone ? latest(entries.map((e) => e.completionTime)) : undefined;
  const status: SuiteStatus = {
    ...suite.status,
    ...input.extra,
    observedGeneration: generation,
    conditions: conditions as SuiteStatus['conditions'],
    phase,
    round: input.round,
    progress: `${finished}/${entries.length}`,
    summary: { total: entries.length, ...summary },
    runs: entries,
  };
  if (completionTime) status.completionTime = completionTime;
  else delete status.completionTime;
  return status;
}

/** The reason of runs held until the SchedulePolicy's schedule starts a round (core/suite/view.ts). */
export const WAITING_FOR_SCHEDULE = 'WaitingForSchedule';

/** Every unfinished run waits for the schedule, and none runs. */
function waitsForSchedule(entries: RunStatusEntry[], finished: number): boolean {
  const waiting = entries.filter((e) => e.reason === WAITING_FOR_SCHEDULE).length;
  return waiting > 0 && waiting === entries.length - finished;
}

/** The maxLength of the strings of status.runs[] the operator fills from input it does not control. */
export const RUN_STATUS_LIMITS = { reason: 64, message: 512, model: 256, provider: 63, job: 63 } as const;

/**
 * A run's entry in status, fitting the CRD's schema whatever the runner, its pods or the scheduler
 * said: strings shortened to their maxLength (text.ts), the result bounded (result.ts,
 * boundedResult), and when metrics were left out, the message says how many and where the whole
 * result is. This is the one place results and messages become status.
 */
function runEntry(run: RunState, waiting: { reason: string; message: string } | undefined): RunStatusEntry {
  const waits = (run.state === 'Queued' || run.state === 'Retrying') && run.admissible && waiting;
  const entry: RunStatusEntry = {
    name: run.spec.name,
    benchmark: run.spec.benchmark.name,
    target: run.spec.target.name,
    state: run.state,
    attempt: run.attempt,
    reason: shorten(waits ? waiting.reason : run.reason, RUN_STATUS_LIMITS.reason),
    message: waits ? waiting.message : run.message,
  };
  entry.provider = shorten(run.provider || run.spec.target.providerRef, RUN_STATUS_LIMITS.provider);
  entry.model = shorten(run.model || run.spec.target.model, RUN_STATUS_LIMITS.model);
  if (run.job) entry.job = shorten(run.job, RUN_STATUS_LIMITS.job, '');
  if (run.startTime) entry.startTime = run.startTime;
  if (run.completionTime) entry.completionTime = run.completionTime;
  let note = '';
  if (run.result) {
    const bounded = boundedResult(run.result);
    entry.result = bounded.result;
    if (bounded.leftOut > 0) note = leftOutNote(bounded.leftOut, bounded.metrics, entry.job);
  }
  entry.message = note
    ? `${shorten(entry.message ?? '', RUN_STATUS_LIMITS.message - note.length - 2)}; ${note}`
    : shorten(entry.message ?? '', RUN_STATUS_LIMITS.message);
  return entry;
}

/** "37 of 69 metrics left out (status holds 32): ...": what status does not show, and where it is. */
function leftOutNote(leftOut: number, total: number, job: string | undefined): string {
  const where = job ? `Job ${job}'s pods` : "the run's pods";
  return `${leftOut} of ${total} metrics left out (status holds ${STATUS_MAX_METRICS}, headline metrics first): the whole result is in the termination message and log of ${where}`;
}

function summarize(entries: RunStatusEntry[]) {
  const summary = { queued: 0, running: 0, succeeded: 0, failed: 0, blocked: 0 };
  for (const entry of entries) {
    if (entry.state === 'Queued' || entry.state === 'Retrying') summary.queued++;
    else if (entry.state === 'Running') summary.running++;
    else if (entry.state === 'Succeeded') summary.succeeded++;
    else if (entry.state === 'Failed') summary.failed++;
    else if (entry.state === 'Blocked') summary.blocked++;
  }
  return summary;
}

function phaseOf(
  entries: RunStatusEntry[],
  summary: ReturnType<typeof summarize>,
  allDone: boolean,
  suspended: boolean,
): Phase {
  if (allDone) return summary.failed + summary.blocked > 0 ? 'Failed' : 'Succeeded';
  if (summary.running > 0) return 'Running';
  if (suspended) return 'Suspended';
  if (entries.some((e) => e.reason === WAITING_FOR_SCHEDULE)) return 'Waiting';
  return entries.some((e) => isTerminal(e.state) || e.attempt > 0) ? 'Waiting' : 'Pending';
}

function latest(times: Array<string | undefined>): string | undefined {
  const parsed = times.flatMap((t) => (t ? [Date.parse(t)] : []));
  return parsed.length ? metaTime(new Date(Math.max(...parsed))) : undefined;
}
