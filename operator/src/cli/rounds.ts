// The rounds of a suite the cluster still knows, with the revision each ran and how it ended: the
// current round from the suite's status, earlier ones from the Jobs kept by the history limits.
import type { BenchmarkSuite } from '../api/index.ts';
import { ANNOTATIONS, LABELS } from '../core/render/labels.ts';
import { observeAttempt, type JobView } from '../core/suite/observe.ts';

export interface RoundView {
  round: number;
  /** The suite's bench.dev/source-revision when the round started. */
  revision?: string;
  /** Succeeded, Failed, or (the current round only) the suite's phase while it runs. */
  outcome: string;
  runs: number;
  succeeded: number;
  failed: number;
  startedAt?: string;
  finishedAt?: string;
}

const min = (values: string[]) => values.sort()[0];
const max = (values: string[]) => values.sort().at(-1);

export function roundsOf(suite: BenchmarkSuite | undefined, jobs: JobView[]): RoundView[] {
  const byRound = new Map<number, JobView[]>();
  for (const job of jobs) {
    const round = Number(job.metadata.labels?.[LABELS.round]);
    if (Number.isInteger(round) && round > 0) byRound.set(round, [...(byRound.get(round) ?? []), job]);
  }
  const current = suite?.status?.round;
  if (current !== undefined && current > 0 && !byRound.has(current)) byRound.set(current, []);
  return [...byRound.keys()]
    .sort((a, b) => b - a)
    .map((round) => {
      const roundJobs = byRound.get(round)!;
      // A run's outcome is its latest attempt's.
      const latest = new Map<string, ReturnType<typeof observeAttempt>>();
      for (const job of roundJobs) {
        const attempt = observeAttempt(job, []);
        const seen = latest.get(attempt.run);
        if (!seen || attempt.attempt > seen.attempt) latest.set(attempt.run, attempt);
      }
      const attempts = [...latest.values()];
      const succeeded = attempts.filter((a) => a.phase === 'Succeeded').length;
      const failed = attempts.filter((a) => a.phase === 'Failed').length;
      const isCurrent = round === current;
      const revision = isCurrent
        ? suite?.status?.sourceRevision
        : roundJobs.map((j) => j.metadata.annotations?.[ANNOTATIONS.sourceRevision]).find((r) => r);
      const outcome = isCurrent
        ? (suite?.status?.phase ?? 'Pending')
        : attempts.length > 0 && succeeded === attempts.length
          ? 'Succeeded'
          : 'Failed';
      const summary = isCurrent ? suite?.status?.summary : undefined;
      const started = min(
        roundJobs.flatMap((j) => (j.metadata.creationTimestamp ? [j.metadata.creationTimestamp] : [])),
      );
      const finished = max(attempts.flatMap((a) => (a.completionTime ? [a.completionTime] : [])));
      return {
        round,
        ...(revision ? { revision } : {}),
        outcome,
        runs: summary?.total ?? attempts.length,
        succeeded: summary?.succeeded ?? succeeded,
        failed: summary?.failed ?? failed,
        ...(started ? { startedAt: started } : {}),
        ...(finished && outcome !== 'Running' ? { finishedAt: finished } : {}),
      };
    });
}

/** The commit id a revision names: Flux's `main@sha1:<id>`, Argo CD's `<id>`, or a short id. */
export function commitOfRevision(revision: string): string | undefined {
  return /(?:^|[@:])([0-9a-f]{7,64})$/.exec(revision.trim())?.[1];
}
