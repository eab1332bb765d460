// Which round the suite is in and whether a new one starts now: the first, after a spec change, on
// a re-run request, or, under a SchedulePolicy's schedule, on its ticks (as CronJob starts Jobs).
import type { BenchmarkSuite, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import { requestedAtToken } from '../status/requested-at.ts';
import { shorten } from '../status/text.ts';
import { parseSchedule } from '../schedule/cron.ts';
import { cronRound } from '../schedule/rounds.ts';
import { observeAttempt, type JobView } from './observe.ts';
import { sourceRevisionOf, startedRoundRevision } from './revision.ts';

export interface RoundState {
  /** The round the suite is in (0 before the first). */
  current: number;
  /** A new round must start: the first, a spec change, a re-run request or a schedule tick. */
  startNew: boolean;
  /** Why, for the RoundStarted event. */
  why: string;
  /** Under a schedule: the tick a new round is for (ms), so status.lastScheduleTime is the tick. */
  tick?: number;
  /** Under a schedule: the value of status.lastHandledScheduleTime to write (ms), when it moves. */
  handledThrough?: number;
  /** Under a schedule: a due tick that starts no round, and why (a RoundSkipped event). */
  skip?: { reason: 'RoundSkipped'; message: string };
  /** Under a schedule: the next tick (ms); undefined without one, or if it never fires again. */
  nextScheduleTime?: number;
  /** Under a schedule: why the runs not yet started wait for the next tick (first round, spec change). */
  hold?: string;
  /**
   * The Git revision of the round (see core/suite/revision.ts): for a round starting now, the
   * suite's annotation now, or the managing GitOps object's revision; else the one recorded when
   * the round started.
   */
  revision?: string;
}

/** What roundState needs to know about a SchedulePolicy's schedule. */
export interface RoundScheduling {
  policy: SchedulePolicy | undefined;
  now: number;
}

/**
 * The suite's round. The Jobs of a round carry the generation and re-run request they were made
 * for, so the round survives a status write lost in a crash: the highest round seen on a Job is
 * never started again.
 *
 * With `scheduling` and a policy with a schedule, rounds follow the schedule instead (see
 * scheduledRoundState). Callers without it (the scheduler) keep the unscheduled rules, which for a
 * scheduled suite only ever make them wait: they never start rounds themselves.
 */
export function roundState(
  suite: BenchmarkSuite,
  jobs: JobView[],
  scheduling?: RoundScheduling,
  /** The revision of the GitOps object managing the suite now, if known: for a round starting now. */
  managedRevision?: string,
): RoundState {
  const state = decideRound(suite, jobs, scheduling);
  const revision = state.startNew
    ? sourceRevisionOf(suite, managedRevision)
    : startedRoundRevision(suite, jobs, state.current);
  return revision === undefined ? state : { ...state, revision };
}

/** The round a Job was made for (its label). */
const roundOf = (job: JobView): number => Number(job.metadata.labels?.[LABELS.round] ?? 0);

/** The most of a re-run request's value its round's Event and audit record quote. */
const REQUESTED_AT_QUOTED = 80;

function decideRound(suite: BenchmarkSuite, jobs: JobView[], scheduling?: RoundScheduling): RoundState {
  const generation = suite.metadata?.generation ?? 0;
  const requestedAt = suite.metadata?.annotations?.[ANNOTATIONS.requestedAt] ?? '';
  const status = suite.status;
  const current = Math.max(status?.round ?? 0, ...jobs.map(roundOf));
  const roundJobs = jobs.filter((j) => roundOf(j) === current);
  const statusKnowsRound = (status?.round ?? 0) === current;
  const madeFor = (annotation: string): string | undefined =>
    statusKnowsRound ? undefined : roundJobs[0]?.metadata.annotations?.[annotation];
  const roundGeneration = Number(
    madeFor(ANNOTATIONS.generation) ?? status?.roundGeneration ?? status?.observedGeneration ?? 0,
  );
  // In the form status holds it: a value too long for status is compared as its digest.
  const handled = requestedAtToken(madeFor(ANNOTATIONS.requestedAt) ?? status?.lastHandledRequestedAt ?? '');
  const rerun = requestedAt !== '' && requestedAtToken(requestedAt) !== handled;
  const rerunWhy = `a re-run was requested (${ANNOTATIONS.requestedAt}: ${shorten(requestedAt, REQUESTED_AT_QUOTED)})`;
  if (scheduling?.policy?.spec.schedule !== undefined) {
    return scheduledRoundState(
      suite,
      { all: jobs, ofRound: roundJobs },
      current,
      scheduling.policy,
      scheduling.now,
      {
        specChanged: current > 0 && roundGeneration < generation,
        rerun: rerun ? rerunWhy : undefined,
      },
    );
  }
  if (current === 0) return { current, startNew: true, why: 'the suite was created' };
  if (roundGeneration < generation) {
    return { current, startNew: true, why: `the spec changed (generation ${generation})` };
  }
  if (rerun) return { current, startNew: true, why: rerunWhy };
  return { current, startNew: false, why: '' };
}

/**
 * Rounds of a suite whose SchedulePolicy has a schedule, as CronJob runs Jobs: the first round
 * starts at the first tick after the suite's creation, not at creation; a spec change takes effect
 * at the next tick (the runs not yet started wait, with why); a re-run request starts a round at
 * once (like `kubectl create job --from=cronjob/...`) and counts as the due tick, if any.
 *
 * Which ticks are done with is status.lastHandledScheduleTime, and, when the status does not know
 * the current round yet (its write is lost or not yet in the cache), the newest value stamped on
 * that round's Jobs (ANNOTATIONS.scheduleHandledThrough): without it, a stale status would start a
 * second round for the tick that started the current one, deleting its Jobs under Replace.
 * The round start time alone cannot say this: Forbid skips ticks without starting a round, and a
 * changed schedule has other ticks.
 */
function scheduledRoundState(
  suite: BenchmarkSuite,
  jobs: { all: JobView[]; ofRound: JobView[] },
  current: number,
  policy: SchedulePolicy,
  now: number,
  changes: { specChanged: boolean; rerun: string | undefined },
): RoundState {
  const spec = policy.spec;
  const parsed = parseSchedule(spec.schedule!, spec.timeZone ?? 'UTC');
  // An invalid schedule stalls the suite (stallReason in stall.ts); until it is fixed nothing starts.
  if (!parsed.ok) return { current, startNew: false, why: '', hold: parsed.message };
  const schedule = parsed.schedule;
  const roundJobs = jobs.ofRound;
  const stamped = roundJobs.flatMap((j) => {
    const value = Date.parse(j.metadata.annotations?.[ANNOTATIONS.scheduleHandledThrough] ?? '');
    return Number.isNaN(value) ? [] : [value];
  });
  const fromStatus = Date.parse(suite.status?.lastHandledScheduleTime ?? '');
  const known = [...stamped, ...(Number.isNaN(fromStatus) ? [] : [fromStatus])];
  let handledThrough: number;
  let adopt: number | undefined;
  if (known.length) handledThrough = Math.max(...known);
  else if (current === 0)
    handledThrough = new Date(suite.metadata?.creationTimestamp ?? NaN).getTime() || now;
  else {
    // A suite that ran before it had a schedule: its rounds start from the next tick on, not at
    // once for a tick that passed before the schedule applied to it.
    handledThrough = Math.floor(now / 1000) * 1000;
    adopt = handledThrough;
  }
  const nextScheduleTime = schedule.next(now);
  const at =
    nextScheduleTime === undefined
      ? 'never (the schedule does not fire again)'
      : new Date(nextScheduleTime).toISOString();
  const base = { current, ...(nextScheduleTime !== undefined ? { nextScheduleTime } : {}) };
  const withHandled = (tick: number | undefined) => {
    const value = tick ?? adopt;
    return value !== undefined ? { handledThrough: value } : {};
  };

  if (suite.spec.suspend === true) return { ...base, startNew: false, why: '', ...withHandled(undefined) };
  if (changes.rerun) {
    const tick = schedule.previous(now);
    return {
      ...base,
      startNew: true,
      why: changes.rerun,
      ...withHandled(tick !== undefined && tick > handledThrough ? tick : undefined),
    };
  }
  const running = (job: JobView): boolean => observeAttempt(job, []).phase === 'Active';
  const roundUnfinished =
    current > 0 &&
    (roundJobs.some(running) || !(suite.status?.round === current && suite.status.completionTime));
  // Earlier rounds whose Jobs still run: only concurrencyPolicy Allow keeps them.
  const earlierRunning = new Set(jobs.all.filter((j) => roundOf(j) < current && running(j)).map(roundOf));
  const decision = cronRound({
    schedule,
    concurrencyPolicy: spec.concurrencyPolicy ?? 'Forbid',
    startingDeadlineSeconds: spec.startingDeadlineSeconds,
    handledThrough,
    unfinishedRounds: earlierRunning.size + (roundUnfinished ? 1 : 0),
    maxActiveRounds: spec.maxActiveRounds,
    now,
  });
  if (decision.startRound) {
    const fired = `the schedule ${schedule.expression} fired at ${new Date(decision.tick!).toISOString()}`;
    return {
      ...base,
      startNew: true,
      why: changes.specChanged
        ? `${fired} (with the spec change to generation ${suite.metadata?.generation})`
        : fired,
      tick: decision.tick!,
      ...withHandled(decision.tick),
    };
  }
  const hold =
    current === 0
      ? `the first round starts when the schedule ${schedule.expression} fires, at ${at}`
      : changes.specChanged
        ? `the spec changed (generation ${suite.metadata?.generation}); it takes effect in the round the schedule ${schedule.expression} starts at ${at}`
        : undefined;
  return {
    ...base,
    startNew: false,
    why: '',
    ...(decision.skip ? { skip: decision.skip } : {}),
    ...withHandled(decision.tick),
    ...(hold ? { hold } : {}),
  };
}
