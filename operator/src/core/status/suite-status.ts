import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { metaTime, setCondition, removeCondition, type Condition } from '../../meta/conditions.ts';
import { isPodProblemReason } from '../suite/pod-problems.ts';
import { isTerminal, type RunState, type RunStatusEntry } from '../suite/run-state.ts';
import { boundedResult, STATUS_MAX_METRICS, type MetricsKept } from '../suite/result.ts';
import type { RunCosts } from '../suite/run-costs.ts';
import { storedBytes, stringBytes } from './json-size.ts';
import { shorten, shortenBytes } from './text.ts';

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
      {
        type,
        status,
        reason,
        message: shorten(message, CONDITION_MESSAGE_LIMIT),
        observedGeneration: generation,
      },
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
        `round ${input.round} finished: ${counts}${failed ? `, ${summary.failed} failed, ${summary.blocked} blocked${notable(entries, (e) => e.state === 'Failed')}` : ''}`,
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
      const progress = `round ${input.round}: ${finished}/${entries.length} runs finished, ${summary.running} running, ${summary.queued} waiting${notable(entries, (e) => e.state === 'Running' && isPodProblemReason(e.reason ?? ''))}`;
      set('Reconciling', 'True', phase === 'Running' ? 'RoundRunning' : 'RoundWaiting', progress);
      set('Ready', 'False', 'RoundInProgress', progress);
    }
  }

  const completionTime = allDone ? latest(entries.map((e) => e.completionTime)) : undefined;
  const status: SuiteStatus = {
    ...suite.status,
    ...input.extra,
    observedGeneration: generation,
    conditions: conditions,
    phase,
    round: input.round,
    progress: `${finished}/${entries.length}`,
    summary: { total: entries.length, ...summary },
    runs: entries,
  };
  if (completionTime) status.completionTime = completionTime;
  else delete status.completionTime;
  status.runs = fittedRuns(status, runs, input.waiting);
  return status;
}

/** How many runs a condition message names, so it stays short for the largest suite. */
const NOTABLE_RUNS = 3;

/**
 * ": run a ImagePullFailed, run b OOMKilled (and 4 more)": the runs that match, named with their
 * reasons, so `kubectl get -o wide` shows why a round is held up or failed without the runs list.
 */
function notable(entries: RunStatusEntry[], matches: (entry: RunStatusEntry) => boolean): string {
  const found = entries.filter(matches);
  if (found.length === 0) return '';
  const named = found.slice(0, NOTABLE_RUNS).map((e) => `${e.name} ${e.reason ?? e.state}`);
  const more = found.length - named.length;
  return `: ${named.join(', ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}

/** The reason of runs held until the SchedulePolicy's schedule starts a round (core/suite/round-runs.ts). */
export const WAITING_FOR_SCHEDULE = 'WaitingForSchedule';

/** Every unfinished run waits for the schedule, and none runs. */
function waitsForSchedule(entries: RunStatusEntry[], finished: number): boolean {
  const waiting = entries.filter((e) => e.reason === WAITING_FOR_SCHEDULE).length;
  return waiting > 0 && waiting === entries.length - finished;
}

/** The maxLength of the strings of status.runs[] the operator fills from input it does not control. */
export const RUN_STATUS_LIMITS = { reason: 64, message: 512, model: 256, provider: 63, job: 63 } as const;

/**
 * The longest condition message status holds, in characters: the CRD allows 32768, which three
 * conditions could fill with a tenth of the room status has (STATUS_MAX_BYTES).
 */
export const CONDITION_MESSAGE_LIMIT = 1024;

/**
 * The most bytes a suite's status takes as the API server stores it (json-size.ts). A whole object
 * must fit etcd's 1.5 MiB (OBJECT_MAX_BYTES); the other half MiB is the spec's and metadata's
 * (annotations alone may take 256 KiB, and managedFields grow with the spec).
 */
export const STATUS_MAX_BYTES = 1_048_576;

/**
 * What the runs' entries leave of STATUS_MAX_BYTES for status.gates, which the gates set after the
 * runs are fitted: 16 gates at their widest, per-item outcomes included (status-size.test.ts).
 */
export const GATES_STATUS_RESERVE = 98_304;

/** How much of each run's entry status keeps (see RUN_ENTRY_TIERS). */
export interface RunEntryTier {
  metrics: MetricsKept;
  /** The longest message, in characters. */
  message: number;
  /**
   * The most bytes each of message, reason, model, provider and job takes as stored: at the last
   * tier, where a bound on characters alone (a character may take 6 bytes) would not bound the size.
   */
  bytes?: number;
  /** Only the run's own cost and its currency of its costs (run-costs.ts): at the last tier. */
  ownCostOnly?: true;
}

/**
 * From the most to the least a run's entry keeps: a suite's status is written at the first tier at
 * which it fits STATUS_MAX_BYTES, the same tier for all its runs, so that they read alike. The
 * first is the CRD's limits; at the last, 1000 runs (the CRD's most) fit whatever their text
 * (status-size.test.ts measures it).
 */
export const RUN_ENTRY_TIERS: readonly RunEntryTier[] = [
  { metrics: 'all', message: RUN_STATUS_LIMITS.message },
  { metrics: 'headline', message: 256 },
  { metrics: 'none', message: 128 },
  { metrics: 'none', message: 64, bytes: 64, ownCostOnly: true },
];

/**
 * The runs' entries at the first tier under which the status fits STATUS_MAX_BYTES, less the gates'
 * reserve (the last one
 * when none does). Most statuses are far below it: each character of JSON.stringify's text takes
 * at most 6 bytes as stored, so they are not counted byte by byte.
 */
function fittedRuns(
  status: SuiteStatus,
  runs: RunState[],
  waiting: Map<string, { reason: string; message: string }>,
): RunStatusEntry[] {
  const fits = (entries: RunStatusEntry[]): boolean => {
    const json = JSON.stringify({ ...status, runs: entries });
    const room = STATUS_MAX_BYTES - GATES_STATUS_RESERVE;
    return json.length * 6 <= room || storedBytes(json) <= room;
  };
  let entries = status.runs ?? [];
  for (let tier = 1; tier < RUN_ENTRY_TIERS.length && !fits(entries); tier++) {
    entries = runs.map((run) => runEntry(run, waiting.get(run.spec.name), RUN_ENTRY_TIERS[tier]));
  }
  return entries;
}

/**
 * A run's entry in status, fitting the CRD's schema whatever the runner, its pods or the scheduler
 * said: strings shortened to their maxLength (text.ts), the result bounded (result.ts,
 * boundedResult), and when metrics were left out, the message says how many and where the whole
 * result is. This is the one place results and messages become status. `tier` keeps less, for a
 * suite whose status would be too big (fittedRuns).
 */
function runEntry(
  run: RunState,
  waiting: { reason: string; message: string } | undefined,
  tier: RunEntryTier = RUN_ENTRY_TIERS[0]!,
): RunStatusEntry {
  const text = (value: string, maxLength: number, ellipsis = '…', maxBytes = tier.bytes): string =>
    maxBytes === undefined
      ? shorten(value, maxLength, ellipsis)
      : shortenBytes(value, maxLength, maxBytes, ellipsis);
  const waits = (run.state === 'Queued' || run.state === 'Retrying') && run.admissible && waiting;
  const entry: RunStatusEntry = {
    name: run.spec.name,
    benchmark: run.spec.benchmark.name,
    target: run.spec.target.name,
    state: run.state,
    attempt: run.attempt,
    reason: text(waits ? waiting.reason : run.reason, RUN_STATUS_LIMITS.reason),
    message: '',
  };
  entry.provider = text(run.provider || run.spec.target.providerRef, RUN_STATUS_LIMITS.provider);
  entry.model = text(run.model || run.spec.target.model, RUN_STATUS_LIMITS.model);
  if (run.job) entry.job = text(run.job, RUN_STATUS_LIMITS.job, '');
  if (run.startTime) entry.startTime = run.startTime;
  if (run.completionTime) entry.completionTime = run.completionTime;
  let note = '';
  if (run.result) {
    const bounded = boundedResult(run.result, tier.metrics);
    entry.result = run.costs ? { ...bounded.result, ...keptCosts(run.costs, tier) } : bounded.result;
    if (bounded.leftOut > 0) note = leftOutNote(bounded.leftOut, bounded.metrics, entry.job, tier);
  }
  const message = waits ? waiting.message : run.message;
  const limit = Math.min(tier.message, RUN_STATUS_LIMITS.message);
  if (!note) entry.message = text(message, limit);
  else {
    // The note stays whole; what the message said before it is shortened to leave it room.
    const room = limit - note.length - 2;
    const roomBytes = tier.bytes === undefined ? undefined : tier.bytes - stringBytes(note) - 2;
    const head = room > 0 && (roomBytes ?? 1) > 0 ? text(message, room, '…', roomBytes) : '';
    entry.message = head ? `${head}; ${note}` : text(note, limit);
  }
  return entry;
}

function keptCosts(costs: RunCosts, tier: RunEntryTier): RunCosts {
  if (!tier.ownCostOnly) return costs;
  const { cost, currency } = costs;
  return cost === undefined ? {} : { cost, ...(currency ? { currency } : {}) };
}

/**
 * "37 of 69 metrics left out (status holds 32, ...): ...": what status does not show, and where it
 * is. At the later tiers, where every run of a big suite says it, fewer words: each byte counts
 * a thousand times there, and docs/api.md says where the whole result is.
 */
function leftOutNote(leftOut: number, total: number, job: string | undefined, tier: RunEntryTier): string {
  const counted = `${leftOut} of ${total} metrics left out`;
  if (tier.bytes !== undefined) return counted;
  if (tier.metrics === 'headline')
    return `${counted} (status holds only headline metrics at this suite's size)`;
  if (tier.metrics === 'none') return `${counted} (status holds no metrics at this suite's size)`;
  const where = job ? `Job ${job}'s pods` : "the run's pods";
  return `${counted} (status holds ${STATUS_MAX_METRICS}, headline metrics first): the whole result is in the termination message and log of ${where}`;
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
