import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { jobName } from '../render/names.ts';
import { isPodProblemReason } from '../suite/pod-problems.ts';
import type { RunStatusEntry } from '../suite/run-state.ts';
import type { GateVerdict } from '../gates/evaluate.ts';
import { REUSE_METRICS } from '../../../../runner/src/contract/result.ts';
import {
  compact,
  decisionId,
  type DecisionFacts,
  type DecisionRecord,
  type ObjectRef,
  type Referable,
} from './record.ts';

type SuiteStatus = NonNullable<BenchmarkSuite['status']>;

/** A suite as its decisions name it: the object, the round and the round's revision. */
export interface SuiteSubject {
  ref: ObjectRef & { uid: string };
  round: number;
  revision?: string | undefined;
  /** The suite's SchedulePolicy, if it references one. */
  schedulePolicy?: string | undefined;
}

/** The suite in `round` (with that round's revision), as its decisions name it. */
export function suiteSubject(
  suite: BenchmarkSuite,
  round: number,
  revision: string | undefined,
): SuiteSubject {
  return { ref: suiteRef(suite), round, revision, schedulePolicy: suite.spec.schedulePolicyRef };
}

export function suiteRef(suite: Referable): SuiteSubject['ref'] {
  const { namespace, name, uid } = suite.metadata ?? {};
  if (!namespace || !name || !uid) throw new Error('a suite in the cache has a namespace, name and uid');
  return {
    apiVersion: suite.apiVersion ?? 'bench.dev/v1alpha1',
    kind: suite.kind ?? 'BenchmarkSuite',
    namespace,
    name,
    uid,
  };
}

export function jobRef(namespace: string, name: string, uid?: string): ObjectRef {
  return { apiVersion: 'batch/v1', kind: 'Job', namespace, name, ...(uid ? { uid } : {}) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function suiteDecision(
  subject: SuiteSubject,
  fields: Omit<DecisionRecord, 'regarding' | 'time' | 'eventReason' | 'facts'> & {
    eventReason?: string;
    facts?: DecisionFacts;
  },
  now: number,
): DecisionRecord {
  const { facts, eventReason, ...rest } = fields;
  return {
    ...rest,
    eventReason: eventReason ?? fields.reason,
    regarding: subject.ref,
    time: iso(now),
    facts: compact({
      round: subject.round,
      revision: subject.revision,
      schedulePolicy: subject.schedulePolicy,
      ...facts,
    }),
  };
}

export function roundStarted(subject: SuiteSubject, why: string, now: number): DecisionRecord {
  const revision = subject.revision ? ` (revision ${subject.revision})` : '';
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, 'RoundStarted'),
      reason: 'RoundStarted',
      type: 'Normal',
      action: 'StartRound',
      message: `round ${subject.round} started: ${why}${revision}`,
    },
    now,
  );
}

/** A schedule tick that starts no round; one per tick, as the tick is then handled. */
export function roundSkipped(
  subject: SuiteSubject,
  message: string,
  tick: number,
  now: number,
): DecisionRecord {
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `tick-${iso(tick)}`, 'RoundSkipped'),
      reason: 'RoundSkipped',
      type: 'Normal',
      action: 'SkipRound',
      message,
      facts: { tick: iso(tick) },
    },
    now,
  );
}

export function jobDeleted(
  subject: SuiteSubject,
  job: { name: string; uid: string; round: string | undefined },
  why: string,
  now: number,
): DecisionRecord {
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `job-${job.uid}`, 'JobDeleted'),
      reason: 'JobDeleted',
      type: 'Normal',
      action: 'Delete',
      related: jobRef(subject.ref.namespace, job.name, job.uid),
      message: `deleted Job ${job.name} (round ${job.round}) because ${why}`,
      facts: { job: job.name },
    },
    now,
  );
}

/**
 * The suite became stalled (or stalled for another reason). A stall for the same reason in the
 * same round and generation is one decision: taken again after a crash, it keeps its id.
 */
export function suiteStalled(
  subject: SuiteSubject,
  stall: { reason: string; message: string },
  generation: number,
  references: DecisionFacts['references'],
  now: number,
): DecisionRecord {
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, `g${generation}`, stall.reason),
      reason: 'SuiteStalled',
      eventReason: stall.reason,
      type: 'Warning',
      action: 'Reconcile',
      message: stall.message,
      facts: { stall: stall.reason, references },
    },
    now,
  );
}

export function suiteDeleted(subject: SuiteSubject, now: number): DecisionRecord {
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, 'SuiteDeleted'),
      reason: 'SuiteDeleted',
      type: 'Normal',
      action: 'Delete',
      message: `the suite was deleted in round ${subject.round}; the garbage collector removes its Jobs`,
    },
    now,
  );
}

type Outcome = Extract<DecisionRecord['reason'], 'RunSucceeded' | 'RunFailed' | 'RunRetrying' | 'RunBlocked'>;

const OUTCOME_OF: Partial<Record<RunStatusEntry['state'], Outcome>> = {
  Succeeded: 'RunSucceeded',
  Failed: 'RunFailed',
  Blocked: 'RunBlocked',
};

/**
 * The outcomes a status change makes visible: the runs that finished, failed for good, were
 * blocked, or failed an attempt that is retried, comparing the round's runs in the previous status
 * with the new ones. Derived from the transition, never from the state alone, so a reconcile that
 * changes nothing records nothing; attempts that failed and were retried between two status
 * writes (the status never showed them) are recorded too.
 */
export function runOutcomes(
  subject: SuiteSubject,
  previous: RunStatusEntry[] | undefined,
  next: RunStatusEntry[],
  now: number,
): DecisionRecord[] {
  const before = new Map((previous ?? []).map((entry) => [entry.name, entry]));
  const records: DecisionRecord[] = [];
  for (const entry of next) {
    const prior = before.get(entry.name);
    const priorState = prior?.state ?? 'Queued';
    const priorAttempt = prior?.attempt ?? 0;
    const hindrance = runHindrance(subject, prior, entry, now);
    if (priorState === entry.state && priorAttempt === entry.attempt) {
      if (hindrance) records.push(hindrance);
      continue;
    }
    const firstRetried = priorState === 'Retrying' ? priorAttempt + 1 : Math.max(priorAttempt, 1);
    const lastRetried = entry.state === 'Retrying' ? entry.attempt : entry.attempt - 1;
    for (let attempt = firstRetried; attempt <= lastRetried; attempt++) {
      const current = attempt === entry.attempt;
      records.push(
        runOutcome(subject, 'RunRetrying', entry, attempt, current ? entry.message : undefined, now),
      );
    }
    const outcome = OUTCOME_OF[entry.state];
    if (outcome) records.push(runOutcome(subject, outcome, entry, entry.attempt, entry.message, now));
    const resumed = outcome && runResumed(subject, entry, now);
    if (resumed) records.push(resumed);
    if (hindrance) records.push(hindrance);
  }
  return records;
}

/**
 * A RunNotStarting or RunDisrupted record when a running attempt's reason turns to what Kubernetes
 * does to its pods; the Event's reason is that reason (ImagePullFailed, Preempted, ...), so
 * `kubectl describe` shows it as Kubernetes' own Events would.
 */
function runHindrance(
  subject: SuiteSubject,
  prior: RunStatusEntry | undefined,
  entry: RunStatusEntry,
  now: number,
): DecisionRecord | undefined {
  const reason = entry.reason ?? '';
  if (entry.state !== 'Running' || !isPodProblemReason(reason)) return undefined;
  if (prior?.state === 'Running' && prior.reason === reason && prior.attempt === entry.attempt)
    return undefined;
  const disrupted = reason === 'Evicted' || reason === 'Preempted';
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, entry.name, `a${entry.attempt}`, reason),
      reason: disrupted ? 'RunDisrupted' : 'RunNotStarting',
      eventReason: reason,
      type: 'Warning',
      action: 'Observe',
      ...(entry.job ? { related: jobRef(subject.ref.namespace, entry.job) } : {}),
      message: `run ${entry.name}: ${entry.message ?? reason}`,
      facts: runFacts(entry, entry.attempt, { state: entry.state, reason }),
    },
    now,
  );
}

/** The operator stops an attempt whose runner did not start in time, or cannot. */
export function runStopped(
  subject: SuiteSubject,
  entry: RunStatusEntry,
  stop: { job: string; reason: string; message: string },
  now: number,
): DecisionRecord {
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, entry.name, `a${entry.attempt}`, 'RunStopped'),
      reason: 'RunStopped',
      type: 'Warning',
      action: 'Stop',
      related: jobRef(subject.ref.namespace, stop.job),
      message: `run ${entry.name}: attempt ${entry.attempt} stopped: ${stop.message}`,
      facts: runFacts(entry, entry.attempt, { state: entry.state, reason: stop.reason }),
    },
    now,
  );
}

function runFacts(
  entry: RunStatusEntry,
  attempt: number,
  outcome: NonNullable<DecisionFacts['outcome']>,
): DecisionFacts {
  return {
    run: entry.name,
    benchmark: entry.benchmark,
    target: entry.target,
    attempt,
    job: entry.job,
    provider: entry.provider,
    model: entry.model,
    outcome,
  };
}

function runOutcome(
  subject: SuiteSubject,
  reason: Outcome,
  entry: RunStatusEntry,
  attempt: number,
  message: string | undefined,
  now: number,
): DecisionRecord {
  const job =
    attempt === entry.attempt
      ? entry.job
      : attempt > 0
        ? jobName(subject.ref.name, subject.round, entry.benchmark, entry.target, attempt)
        : undefined;
  const current = attempt === entry.attempt;
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, entry.name, `a${attempt}`, reason),
      reason,
      type: reason === 'RunSucceeded' ? 'Normal' : 'Warning',
      action: 'Observe',
      ...(job ? { related: jobRef(subject.ref.namespace, job) } : {}),
      message: `run ${entry.name}: ${message ?? `attempt ${attempt} failed; it was retried`}`,
      facts: {
        ...runFacts(
          entry,
          attempt,
          current
            ? compact({
                state: entry.state,
                reason: entry.reason,
                score: entry.result?.score,
                inputTokens: entry.result?.usage?.inputTokens,
                outputTokens: entry.result?.usage?.outputTokens,
              })
            : { state: 'Retrying' },
        ),
        job,
      },
    },
    now,
  );
}

/**
 * The attempt's result says it reused items answered before (by an earlier attempt, or round):
 * requests not made again, and money not spent again.
 */
function runResumed(subject: SuiteSubject, entry: RunStatusEntry, now: number): DecisionRecord | undefined {
  const metrics = entry.result?.metrics ?? {};
  const items = metrics[REUSE_METRICS.items];
  if (items === undefined || !Number.isSafeInteger(items) || items <= 0) return undefined;
  const inputTokens = metrics[REUSE_METRICS.inputTokens];
  const outputTokens = metrics[REUSE_METRICS.outputTokens];
  const total = metrics.items;
  const tokens =
    inputTokens !== undefined && outputTokens !== undefined
      ? ` (${inputTokens} input and ${outputTokens} output tokens not spent again)`
      : '';
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, entry.name, `a${entry.attempt}`, 'RunResumed'),
      reason: 'RunResumed',
      type: 'Normal',
      action: 'Observe',
      ...(entry.job ? { related: jobRef(subject.ref.namespace, entry.job) } : {}),
      message: `run ${entry.name}: attempt ${entry.attempt} reused ${items}${total !== undefined ? ` of ${total}` : ''} items answered before, without asking the provider again${tokens}`,
      facts: {
        ...runFacts(entry, entry.attempt, compact({ state: entry.state, reason: entry.reason })),
        reuse: compact({ items, inputTokens, outputTokens }),
      },
    },
    now,
  );
}

/** The round finished with this status and had not in the previous one. */
export function roundCompleted(
  subject: SuiteSubject,
  previous: SuiteStatus | undefined,
  next: SuiteStatus,
  now: number,
): DecisionRecord | undefined {
  if (!next.completionTime) return undefined;
  if (previous?.round === subject.round && previous.completionTime) return undefined;
  const summary = {
    total: next.summary?.total ?? 0,
    succeeded: next.summary?.succeeded ?? 0,
    failed: next.summary?.failed ?? 0,
    blocked: next.summary?.blocked ?? 0,
  };
  const failed = summary.failed + summary.blocked > 0;
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, 'RoundCompleted'),
      reason: 'RoundCompleted',
      type: failed ? 'Warning' : 'Normal',
      action: 'CompleteRound',
      message: `round ${subject.round} completed: ${summary.succeeded}/${summary.total} runs succeeded${failed ? `, ${summary.failed} failed, ${summary.blocked} blocked` : ''}`,
      facts: { summary },
    },
    now,
  );
}

/**
 * A regression gate's verdict on the round (once, when the round is judged): a Warning when the
 * gate failed, since a promotion waiting on the suite's health stops.
 */
export function gateJudged(
  subject: SuiteSubject,
  gate: { name: string; benchmark: string; candidate: string },
  verdict: GateVerdict,
  now: number,
): DecisionRecord {
  return suiteDecision(
    subject,
    {
      id: decisionId(subject.ref.uid, `r${subject.round}`, `Gate/${gate.name}`),
      reason: `Gate${verdict.verdict}`,
      type: verdict.verdict === 'Failed' ? 'Warning' : 'Normal',
      action: 'JudgeGate',
      message: `gate ${gate.name} ${verdict.verdict.toLowerCase()} on round ${subject.round}: ${verdict.message}`,
      facts: {
        benchmark: gate.benchmark,
        target: gate.candidate,
        gate: compact({
          name: gate.name,
          verdict: verdict.verdict,
          method: verdict.method,
          candidate: verdict.candidate,
          baseline: verdict.baseline,
          difference: verdict.difference,
          low: verdict.low,
          high: verdict.high,
          pValue: verdict.pValue,
        }),
      },
    },
    now,
  );
}
