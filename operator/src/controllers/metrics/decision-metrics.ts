import { Counter, Histogram, type Registry } from 'prom-client';
import type { DecisionRecord } from '../../core/decisions/record.ts';
import { observeAttempt } from '../../core/suite/observe.ts';
import type { MetricSources } from './sources.ts';
import { DEFERRAL_REASONS, waitReason } from './wait-reasons.ts';

const OUTCOMES = ['succeeded', 'failed'] as const;

/** Counted and timed where the operator decides: each decision on record, each scheduling pass. */
export interface DecisionMetrics {
  /** One decision, as the decision recorder records it: once, however often it is derived again. */
  decided(record: DecisionRecord): void;
  timeSchedulingPass<T>(pass: () => Promise<T>): Promise<T>;
  /** A ProviderPolicy was deleted: its run-duration series go with it. */
  forgetProvider(namespace: string, name: string): void;
}

export function registerDecisionMetrics(registry: Registry, sources: MetricSources): DecisionMetrics {
  const registers = [registry];
  const admissions = new Counter({
    name: 'bench_admission_decisions_total',
    help: 'Admission decisions on record: admitted (reason Admitted or FailedOver) and deferred (reason: why the run waits; counted when a run starts waiting for a new reason, not on every pass).',
    labelNames: ['decision', 'reason'],
    registers,
  });
  // At zero from the start, so rate() sees the first decision of each kind.
  for (const reason of ['Admitted', 'FailedOver']) admissions.inc({ decision: 'admitted', reason }, 0);
  for (const reason of DEFERRAL_REASONS) admissions.inc({ decision: 'deferred', reason }, 0);

  const runDuration = new Histogram({
    name: 'bench_run_duration_seconds',
    help: "How long finished runs took, from their Job's start to its end, by the ProviderPolicy they ran on and outcome: each finished attempt once.",
    labelNames: ['namespace', 'providerpolicy', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800],
    registers,
  });
  const reused = new Counter({
    name: 'bench_run_items_reused_total',
    help: 'Items runs reused from a checkpoint (an earlier attempt or round) instead of asking the provider again, by namespace: each attempt once (docs/results.md#resume).',
    labelNames: ['namespace'],
    registers,
  });
  const passDuration = new Histogram({
    name: 'bench_scheduling_pass_duration_seconds',
    help: 'How long one scheduling pass over every suite took, Job creations included.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  /** A run's outcome on record: its Job, still in the cache, tells the provider and the duration. */
  const observeRun = (record: DecisionRecord, outcome: (typeof OUTCOMES)[number]) => {
    const ref = record.related;
    const job = ref?.kind === 'Job' ? sources.job(ref.namespace, ref.name) : undefined;
    if (!job) return;
    const attempt = observeAttempt(job, []);
    if (attempt.phase === 'Active' || !attempt.startTime || !attempt.completionTime || !attempt.provider)
      return;
    const seconds = (Date.parse(attempt.completionTime) - Date.parse(attempt.startTime)) / 1000;
    runDuration.observe(
      { namespace: ref!.namespace, providerpolicy: attempt.provider, outcome },
      Math.max(0, seconds),
    );
  };

  return {
    decided(record) {
      switch (record.reason) {
        case 'RunAdmitted':
          admissions.inc({ decision: 'admitted', reason: 'Admitted' });
          break;
        case 'FailedOver':
          admissions.inc({ decision: 'admitted', reason: 'FailedOver' });
          break;
        case 'RunDeferred':
          admissions.inc({ decision: 'deferred', reason: waitReason(record.facts.wait?.reason) });
          break;
        // Each refusal of a run's Job: the run waits out its own backoff (docs/scheduling.md).
        case 'JobRejected':
          admissions.inc({ decision: 'deferred', reason: 'JobRejected' });
          break;
        case 'RunSucceeded':
          observeRun(record, 'succeeded');
          break;
        case 'RunFailed':
        case 'RunRetrying':
          observeRun(record, 'failed');
          break;
        case 'RunResumed':
          reused.inc({ namespace: record.regarding.namespace }, record.facts.reuse?.items ?? 0);
          break;
        default:
      }
    },
    async timeSchedulingPass(pass) {
      const end = passDuration.startTimer();
      try {
        return await pass();
      } finally {
        end();
      }
    },
    forgetProvider(namespace, providerpolicy) {
      for (const outcome of OUTCOMES) runDuration.remove({ namespace, providerpolicy, outcome });
    },
  };
}
