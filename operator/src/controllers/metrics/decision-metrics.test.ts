import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../core/decisions/record.ts';
import type { JobObject } from '../caches.ts';
import { registerDecisionMetrics } from './decision-metrics.ts';
import { arraySources, samples } from './test-sources.ts';

function record(reason: DecisionRecord['reason'], fields: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: `uid/${reason}/${Math.random()}`,
    reason,
    eventReason: reason,
    type: 'Normal',
    action: 'Test',
    regarding: { apiVersion: 'bench.dev/v1alpha1', kind: 'BenchmarkSuite', namespace: 'team', name: 's' },
    message: reason,
    time: '2025-06-15T12:00:00.000Z',
    facts: {},
    ...fields,
  };
}

const jobRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'team', name });

function finishedJob(
  name: string,
  provider: string,
  condition: 'Complete' | 'Failed',
  seconds: number,
): JobObject {
  const start = Date.parse('2025-06-15T11:00:00Z');
  return {
    metadata: { namespace: 'team', name, labels: { 'bench.dev/provider': provider } },
    status: {
      startTime: new Date(start).toISOString(),
      conditions: [
        {
          type: condition,
          status: 'True',
          lastTransitionTime: new Date(start + seconds * 1000).toISOString(),
        },
      ],
    },
  };
}

function setup() {
  const registry = new Registry();
  const { state, sources } = arraySources();
  return { registry, state, metrics: registerDecisionMetrics(registry, sources) };
}

describe('decision metrics', () => {
  it('counts admissions and deferrals on record by reason, every reason at zero from the start', async () => {
    const { registry, metrics } = setup();
    expect(await samples(registry, 'bench_admission_decisions_total')).toMatchObject({
      'decision=admitted,reason=Admitted': 0,
      'decision=admitted,reason=FailedOver': 0,
      'decision=deferred,reason=ProviderCapacity': 0,
      'decision=deferred,reason=BudgetExhausted': 0,
    });
    metrics.decided(record('RunAdmitted'));
    metrics.decided(record('RunAdmitted'));
    metrics.decided(record('FailedOver'));
    metrics.decided(record('RunDeferred', { facts: { wait: { reason: 'CircuitOpen' } } }));
    metrics.decided(record('RunDeferred', { facts: { wait: { reason: 'NotAReason' } } }));
    metrics.decided(record('JobRejected'));
    metrics.decided(record('RoundStarted'));
    expect(await samples(registry, 'bench_admission_decisions_total')).toMatchObject({
      'decision=admitted,reason=Admitted': 2,
      'decision=admitted,reason=FailedOver': 1,
      'decision=deferred,reason=CircuitOpen': 1,
      'decision=deferred,reason=JobRejected': 1,
      'decision=deferred,reason=Other': 1,
      'decision=deferred,reason=ProviderCapacity': 0,
    });
  });

  it("observes a finished run's duration from its Job, by the provider it ran on and outcome", async () => {
    const { registry, state, metrics } = setup();
    state.jobs = [
      finishedJob('ok', 'openai', 'Complete', 42),
      finishedJob('bad', 'backup', 'Failed', 3),
      finishedJob('retried', 'backup', 'Failed', 7),
    ];
    metrics.decided(record('RunSucceeded', { related: jobRef('ok') }));
    metrics.decided(record('RunFailed', { related: jobRef('bad') }));
    metrics.decided(record('RunRetrying', { related: jobRef('retried') }));
    // A Job no longer in the cache (deleted by the round history) tells nothing: not observed.
    metrics.decided(record('RunSucceeded', { related: jobRef('gone') }));
    expect(await samples(registry, 'bench_run_duration_seconds', '_count')).toEqual({
      'namespace=team,providerpolicy=backup,outcome=failed': 2,
      'namespace=team,providerpolicy=openai,outcome=succeeded': 1,
    });
    expect(await samples(registry, 'bench_run_duration_seconds', '_sum')).toEqual({
      'namespace=team,providerpolicy=backup,outcome=failed': 10,
      'namespace=team,providerpolicy=openai,outcome=succeeded': 42,
    });
    expect(await samples(registry, 'bench_run_duration_seconds', '_bucket')).toMatchObject({
      'le=30,namespace=team,providerpolicy=openai,outcome=succeeded': 0,
      'le=60,namespace=team,providerpolicy=openai,outcome=succeeded': 1,
    });

    metrics.forgetProvider('team', 'backup');
    expect(Object.keys(await samples(registry, 'bench_run_duration_seconds', '_count'))).toEqual([
      'namespace=team,providerpolicy=openai,outcome=succeeded',
    ]);
  });

  it('counts the items runs reused instead of asking for them again, by namespace', async () => {
    const { registry, metrics } = setup();
    metrics.decided(record('RunResumed', { facts: { reuse: { items: 57 } } }));
    metrics.decided(record('RunResumed', { facts: { reuse: { items: 3, inputTokens: 10 } } }));
    expect(await samples(registry, 'bench_run_items_reused_total')).toEqual({ 'namespace=team': 60 });
  });

  it('times scheduling passes, failed ones too', async () => {
    const { registry, metrics } = setup();
    expect(await metrics.timeSchedulingPass(() => Promise.resolve('done'))).toBe('done');
    await expect(metrics.timeSchedulingPass(() => Promise.reject(new Error('apply failed')))).rejects.toThrow(
      'apply failed',
    );
    expect(await samples(registry, 'bench_scheduling_pass_duration_seconds', '_count')).toEqual({ '': 2 });
  });
});
