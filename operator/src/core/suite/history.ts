import type { SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { LABELS } from '../render/labels.ts';
import { observeAttempt, type JobView } from './observe.ts';

type History = NonNullable<SchedulePolicy['spec']>['history'];

export const HISTORY_DEFAULTS = { succeededRounds: 3, failedRounds: 1 } as const;

const roundOf = (job: JobView): number => Number(job.metadata.labels?.[LABELS.round] ?? 0);
const alive = (job: JobView): boolean => !job.metadata.deletionTimestamp;

/** Jobs of earlier rounds still running: a new round replaces them. */
export function unfinishedJobsOfOldRounds<T extends JobView>(jobs: T[], current: number): T[] {
  return jobs.filter(
    (job) => alive(job) && roundOf(job) < current && observeAttempt(job, []).phase === 'Active',
  );
}

/**
 * Jobs of finished rounds beyond the history limits, like CronJob's successful/failed jobs history:
 * the newest `succeededRounds` rounds whose runs all succeeded and the newest `failedRounds` others
 * are kept (for debugging, a failed round's Jobs and pods stay), the rest deleted.
 */
export function finishedRoundsToDelete<T extends JobView>(jobs: T[], current: number, history: History): T[] {
  const rounds = new Map<number, T[]>();
  for (const job of jobs) {
    const round = roundOf(job);
    if (round >= current || !alive(job)) continue;
    rounds.set(round, [...(rounds.get(round) ?? []), job]);
  }
  const keep = {
    succeeded: history?.succeededRounds ?? HISTORY_DEFAULTS.succeededRounds,
    failed: history?.failedRounds ?? HISTORY_DEFAULTS.failedRounds,
  };
  const doomed: T[] = [];
  for (const round of [...rounds.keys()].sort((a, b) => b - a)) {
    const roundJobs = rounds.get(round)!;
    const outcome = roundSucceeded(roundJobs) ? 'succeeded' : 'failed';
    if (keep[outcome] > 0) keep[outcome]--;
    else doomed.push(...roundJobs);
  }
  return doomed;
}

/** Every run's latest attempt succeeded. */
function roundSucceeded(jobs: JobView[]): boolean {
  const latest = new Map<string, { attempt: number; succeeded: boolean }>();
  for (const job of jobs) {
    const attempt = observeAttempt(job, []);
    const seen = latest.get(attempt.run);
    if (!seen || attempt.attempt > seen.attempt) {
      latest.set(attempt.run, { attempt: attempt.attempt, succeeded: attempt.phase === 'Succeeded' });
    }
  }
  return [...latest.values()].every((l) => l.succeeded);
}
