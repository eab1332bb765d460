import type { BenchmarkRound } from '../../api/v1alpha1/index.ts';
import { metaTime } from '../../meta/conditions.ts';
import { gateConditions, roundGates } from '../gates/round-gates.ts';
import type { DecisionRecord } from '../decisions/record.ts';
import {
  jobDeleted,
  roundCompleted,
  roundSkipped,
  roundStarted,
  runOutcomes,
  runStopped,
  gateJudged,
  suiteStalled,
  suiteSubject,
} from '../decisions/suite.ts';
import type { ArtifactStore } from '../render/artifact-store.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import { keepsUnfinishedRounds } from '../schedule/rounds.ts';
import { windowGate } from '../scheduling/suite-gate.ts';
import { requestedAtToken } from '../status/requested-at.ts';
import { computeSuiteStatus, type SuiteStatus } from '../status/suite-status.ts';
import { finishedRoundsToDelete, unfinishedJobsOfOldRounds } from './history.ts';
import type { JobView } from './observe.ts';
import { roundRecordsToDelete, roundRecordToCreate, type RoundRecordView } from './round-record.ts';
import type { RunState } from './run-state.ts';
import type { SuiteInputs } from './inputs.ts';
import { withCosts } from './run-costs.ts';
import { runStates } from './round-runs.ts';
import { roundState } from './round-state.ts';
import { stallReason } from './stall.ts';

/** What a suite's reconcile does, decided from the cache: the shell carries it out in this order. */
export interface SuitePlan {
  /** On record (audit, Events) before any of the rest takes effect. */
  decisions: DecisionRecord[];
  /** Jobs of replaced rounds and of rounds past the history limits. */
  deletions: JobView[];
  /** The record of the round that has just finished (created before the status says so). */
  roundRecord: BenchmarkRound | undefined;
  /** Records of earlier rounds past the suite's history limit. */
  expiredRecords: RoundRecordView[];
  /** Attempts to end: their runner did not start in time, or cannot. */
  stops: Array<{ job: JobView; stop: NonNullable<RunState['stop']> }>;
  status: SuiteStatus;
  /** The status starts a round: written at once, since the scheduler admits none of its runs before. */
  startsRound: boolean;
  /** Runs may be admitted now or after a backoff: the scheduler should look. */
  schedulingPassDue: boolean;
  /** When the suite must be looked at again (ms since the epoch): a tick, a window opening, a deadline. */
  wakeAt: number | undefined;
}

/** The inputs beside the cache's: why runs wait (the scheduler's) and the revision the suite's GitOps object names. */
export interface SuitePlanContext {
  waiting: Map<string, { reason: string; message: string }>;
  managedRevision: string | undefined;
  /** The artifact store, when configured: the round record names each run's folder in it. */
  artifacts?: ArtifactStore | undefined;
}

/**
 * Everything one reconcile of a live suite decides: whether a round starts (or a tick is skipped),
 * which Jobs go, which attempts are stopped, the status, the decisions to record, and when to
 * look again. It never creates Jobs: admission is the scheduler's, which sees every suite at once.
 */
export function planSuite(inputs: SuiteInputs, context: SuitePlanContext): SuitePlan {
  const { suite, now: nowMs } = inputs;
  const now = new Date(nowMs);
  const policy = inputs.schedulePolicy;
  const round = roundState(suite, inputs.jobs, { policy, now: nowMs }, context.managedRevision);
  const extra: Partial<SuiteStatus> = {};
  let current = round.current;
  if (round.startNew) {
    current += 1;
    // A scheduled round's start is its tick, as CronJob's lastScheduleTime.
    extra.lastScheduleTime = metaTime(round.tick !== undefined ? new Date(round.tick) : now);
    if (round.revision) extra.sourceRevision = round.revision;
  }
  const subject = suiteSubject(suite, current, round.revision);
  const decisions: DecisionRecord[] = [];
  if (round.startNew) decisions.push(roundStarted(subject, round.why, nowMs));
  // A round's bookkeeping: which spec and which re-run request it was started for.
  extra.roundGeneration = round.startNew
    ? (suite.metadata.generation ?? 0)
    : (suite.status?.roundGeneration ?? suite.metadata.generation ?? 0);
  if (round.handledThrough !== undefined)
    extra.lastHandledScheduleTime = metaTime(new Date(round.handledThrough));
  if (round.skip) decisions.push(roundSkipped(subject, round.skip.message, round.handledThrough!, nowMs));
  const requestedAt = suite.metadata.annotations?.[ANNOTATIONS.requestedAt];
  // A value too long for status is held as its digest (roundState compares it in that form).
  if (requestedAt) extra.lastHandledRequestedAt = requestedAtToken(requestedAt);

  // Under a schedule with concurrencyPolicy Allow, earlier rounds' Jobs run to completion.
  const replaced = keepsUnfinishedRounds(policy?.spec) ? [] : unfinishedJobsOfOldRounds(inputs.jobs, current);
  const expired = finishedRoundsToDelete(inputs.jobs, current, policy?.spec.history);
  const doomed = [
    ...replaced.map((job) => ({ job, why: 'its round was replaced' })),
    ...expired.map((job) => ({ job, why: 'of the round history limits' })),
  ];
  for (const { job, why } of doomed) {
    decisions.push(
      jobDeleted(
        subject,
        { name: job.metadata.name!, uid: job.metadata.uid!, round: job.metadata.labels?.[LABELS.round] },
        why,
        nowMs,
      ),
    );
  }

  const stalled = stallReason(inputs);
  const runs = withCosts(runStates(inputs, current, round.hold), inputs.providers);
  const status = computeSuiteStatus({
    suite,
    round: current,
    runs,
    waiting: context.waiting,
    stalled,
    extra,
    now,
  });
  if (round.startNew && !round.revision) delete status.sourceRevision;
  if (round.nextScheduleTime !== undefined)
    status.nextScheduleTime = metaTime(new Date(round.nextScheduleTime));
  else delete status.nextScheduleTime;
  // Gates judge a round once it has finished; their verdicts stay until the next one has.
  const outcomes = new Map(
    runs.flatMap((run) => (run.result?.outcomes ? [[run.spec.name, run.result.outcomes]] : [])),
  );
  const judgedGates = roundGates(suite, status, suite.status?.gates, outcomes);
  if (judgedGates.gates) status.gates = judgedGates.gates;
  else delete status.gates;
  status.conditions = gateConditions(
    status.conditions ?? [],
    suite.status?.conditions ?? [],
    judgedGates.gates,
    status.completionTime !== undefined,
    suite.metadata.generation ?? 0,
    now,
  );
  const previous = suite.status?.round === current ? suite.status : undefined;
  decisions.push(...runOutcomes(subject, previous?.runs, status.runs ?? [], nowMs));
  const stops = runs.flatMap((run, i) => (run.stop ? [{ stop: run.stop, entry: status.runs![i]! }] : []));
  for (const { stop, entry } of stops) decisions.push(runStopped(subject, entry, stop, nowMs));
  const completed = roundCompleted(subject, suite.status, status, nowMs);
  if (completed) decisions.push(completed);
  for (const { gate, verdict } of judgedGates.judged)
    decisions.push(gateJudged(subject, gate, verdict, nowMs));
  const stalledBefore = suite.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True');
  if (stalled && stalled.reason !== stalledBefore?.reason) {
    const references = {
      providerPolicies: [...new Set(suite.spec.targets.map((t) => t.providerRef))],
      ...(suite.spec.schedulePolicyRef ? { schedulePolicy: suite.spec.schedulePolicyRef } : {}),
    };
    decisions.push(suiteStalled(subject, stalled, suite.metadata.generation ?? 0, references, nowMs));
  }

  // Wake at the next tick, and when a time window opens (a scheduling pass is then due for the
  // runs the window held back), and at each run's own deadline.
  const wakeAt = Math.min(
    round.nextScheduleTime ?? Infinity,
    runs.some((r) => r.admissible) ? (windowGate(policy, nowMs)?.retryAt ?? Infinity) : Infinity,
    ...runs.map((r) => r.wakeAt ?? Infinity),
  );
  const jobsByName = new Map(inputs.jobs.map((job) => [job.metadata.name, job]));
  const roundRecord = roundRecordToCreate(suite, status, inputs.roundRecords, context.artifacts, outcomes);
  // The record made now counts against the history limit at once: when the status says the round
  // finished, the history already holds no more than the limit.
  const records = roundRecord
    ? [...inputs.roundRecords, { name: roundRecord.metadata.name!, round: roundRecord.spec.round }]
    : inputs.roundRecords;
  return {
    decisions,
    roundRecord,
    expiredRecords: roundRecordsToDelete(records, suite.spec.roundHistoryLimit),
    deletions: doomed.map((d) => d.job),
    stops: stops.flatMap(({ stop }) => {
      const job = jobsByName.get(stop.job);
      return job ? [{ job, stop }] : [];
    }),
    status,
    startsRound: round.startNew,
    schedulingPassDue: !stalled && runs.some((r) => r.admissible || r.retryAt !== undefined),
    wakeAt: wakeAt === Infinity ? undefined : wakeAt,
  };
}
