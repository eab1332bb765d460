import { describe, expect, it } from 'vitest';
import type { Result } from '../../runtime/controller/request.ts';
import { FakeClock } from '../../runtime/time/fake-clock.ts';
import type { JobObject, PodObject, ProviderObject } from '../caches.ts';
import {
  attemptJob,
  attemptPod,
  providerObject,
  reconcileContext,
  recordingClient,
  recordingDecisions,
  suiteObject,
  testCaches,
} from '../test-objects.ts';
import { SchedulingState } from '../scheduler/state.ts';
import { providerReconciler } from './reconciler.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const SECOND = 1_000;
/** How long after a wake-up time the reconciler asks to run. */
const SLACK_MS = 10;
const owner = suiteObject('s', NOW);

/** Attempt `attempt` of run b-t that failed at `at` with the runner's exit code. */
const failedWith = (exitCode: number, attempt: number, at: number): JobObject =>
  attemptJob(owner, {
    attempt,
    created: at - 10 * SECOND,
    end: {
      failed: at,
      reason: 'PodFailurePolicy',
      message: `container runner failed with exit code ${exitCode}`,
    },
  });
const running = attemptJob(owner, { run: 'c-t', created: NOW - 5 * SECOND, end: { running: true } });
const succeeded = attemptJob(owner, {
  run: 'd-t',
  created: NOW - 60 * SECOND,
  end: { complete: NOW - 30 * SECOND },
});

/** One reconciler with the scheduler's state, over caches holding `provider`, `jobs` and `pods`. */
function setup(provider: ProviderObject, jobs: JobObject[] = [], pods: PodObject[] = []) {
  const { caches, stores } = testCaches({ providers: [provider], jobs, pods });
  const { client, writes } = recordingClient();
  const { decisions, recorded } = recordingDecisions();
  const scheduler = new SchedulingState();
  let passes = 0;
  const reconcile = providerReconciler({
    caches,
    client,
    decisions,
    scheduler,
    clock: new FakeClock(NOW),
    requestSchedulingPass: () => (passes += 1),
  });
  return {
    stores,
    writes,
    recorded,
    scheduler,
    passes: () => passes,
    run: (): Promise<Result | void> => reconcile({ namespace: 'ns', name: 'p' }, reconcileContext()),
  };
}

const breaker = { circuitBreaker: { failureThreshold: 2, cooldown: '1m' } };
const budget = {
  cost: { currency: 'USD', inputPerMillionTokens: '2', outputPerMillionTokens: '10' },
  budget: { limit: '0.003', period: 'Day' as const },
};
/** d-t's result: 1,000 input tokens at 2 USD a million, 100 output tokens at 10: 0.003 USD. */
const usagePod = attemptPod(succeeded, {
  created: NOW - 60 * SECOND,
  terminationMessage: '{"score":1,"usage":{"inputTokens":1000,"outputTokens":100}}',
});
const readyCondition = (status: string, reason: string, message?: string): unknown =>
  expect.objectContaining({ type: 'Ready', status, reason, ...(message ? { message } : {}) });

interface Case {
  name: string;
  provider: ProviderObject;
  jobs?: JobObject[];
  pods?: PodObject[];
  /** The status written, as far as the case cares. */
  status: Record<string, unknown>;
  /** The reasons of the decisions recorded. */
  decisions: string[];
  result: Result | undefined;
}

const cases: Case[] = [
  {
    name: 'consecutive provider failures up to the threshold open the circuit for the cooldown',
    provider: providerObject('p', breaker),
    jobs: [failedWith(10, 1, NOW - 30 * SECOND), failedWith(11, 2, NOW - 20 * SECOND), running],
    status: {
      observedGeneration: 1,
      activeRuns: 1,
      circuit: {
        state: 'Open',
        consecutiveFailures: 2,
        lastTransitionTime: '2026-11-22T11:59:40Z',
        openUntil: '2026-11-22T12:00:40Z',
      },
      conditions: [
        readyCondition(
          'False',
          'CircuitOpen',
          'the circuit is Open until 2026-11-22T12:00:40Z after 2 consecutive provider failures: no run starts on this provider until then',
        ),
      ],
      accountedThrough: { completionTime: '2026-11-22T11:59:40.000Z', job: 's-1-b-t-a2' },
    },
    decisions: ['CircuitOpened'],
    // Woken when the cooldown is over, to make the circuit HalfOpen.
    result: { requeueAfterMs: 40 * SECOND + SLACK_MS },
  },
  {
    name: "failures that are not the provider's (the runner's own exit 1) neither count nor open it",
    provider: providerObject('p', breaker),
    jobs: [failedWith(1, 1, NOW - 30 * SECOND), failedWith(1, 2, NOW - 20 * SECOND)],
    status: {
      activeRuns: 0,
      circuit: { state: 'Closed', consecutiveFailures: 0 },
      conditions: [readyCondition('True', 'Available', 'the provider accepts runs')],
    },
    decisions: [],
    result: undefined,
  },
  {
    name: 'a cooldown that is over makes the circuit HalfOpen: a probe run may start',
    provider: providerObject('p', breaker, {
      circuit: { state: 'Open', consecutiveFailures: 2, openUntil: '2026-11-22T11:59:59Z' },
    }),
    status: {
      circuit: { state: 'HalfOpen', consecutiveFailures: 2, lastTransitionTime: '2026-11-22T11:59:59Z' },
      conditions: [readyCondition('True', 'CircuitHalfOpen')],
    },
    decisions: ['CircuitHalfOpen'],
    result: undefined,
  },
  {
    name: 'rejected credentials (exit 12) make it Degraded and Stalled until its spec changes',
    provider: providerObject('p'),
    jobs: [failedWith(12, 1, NOW - 30 * SECOND)],
    status: {
      conditions: expect.arrayContaining(
        ['Degraded', 'Stalled'].map((type): unknown =>
          expect.objectContaining({
            type,
            status: 'True',
            reason: 'CredentialsRejected',
            message:
              'run s-1-b-t exited 12: the provider rejected the credentials; no run starts on this provider until its spec or credentials reference changes',
          }),
        ),
      ),
    },
    decisions: ['CredentialsRejected'],
    result: undefined,
  },
  {
    name: "a finished run's token usage is spent from the budget; a spent budget stops runs until the next period",
    provider: providerObject('p', budget),
    jobs: [succeeded],
    pods: [usagePod],
    status: {
      spend: { periodStart: '2026-11-22T00:00:00Z', amount: '0.003', currency: 'USD', runs: 1 },
      conditions: [
        readyCondition(
          'False',
          'BudgetExhausted',
          'spent 0.003 USD of the 0.003 USD budget: no run starts on this provider until the next period (2026-11-23T00:00:00.000Z)',
        ),
      ],
    },
    decisions: ['BudgetExhausted'],
    // Woken at midnight UTC, when the day's budget starts again.
    result: { requeueAfterMs: 12 * 3_600 * SECOND + SLACK_MS },
  },
];

/** The Job with its judge on `provider`. */
const judgedBy = (provider: string, job: JobObject): JobObject => {
  job.metadata.labels!['bench.dev/judge-provider'] = provider;
  return job;
};

/**
 * A run on provider `other` judged by `p`, whose judge graded with 2,000 input and 50 output tokens:
 * 0.0045 USD at p's prices.
 */
const judgedElsewhere = judgedBy(
  'p',
  attemptJob(owner, {
    run: 'j-t',
    provider: 'other',
    created: NOW - 60 * SECOND,
    end: { complete: NOW - 30 * SECOND },
  }),
);
/** Attempt `attempt` of run b-t on provider `other`, judged by `p`, failed with the exit code. */
const judgeFailedWith = (exitCode: number, attempt: number, at: number): JobObject => {
  const job = failedWith(exitCode, attempt, at);
  job.metadata.labels!['bench.dev/provider'] = 'other';
  return judgedBy('p', job);
};
const judgedPod = attemptPod(judgedElsewhere, {
  created: NOW - 60 * SECOND,
  terminationMessage:
    '{"usage":{"inputTokens":99999,"outputTokens":99999},"judgeUsage":{"inputTokens":2000,"outputTokens":50}}',
});

cases.push({
  name: "a run it judged spends the judge's usage from its budget, not the target's",
  provider: providerObject('p', budget),
  jobs: [judgedElsewhere],
  pods: [judgedPod],
  status: {
    activeRuns: 0,
    circuit: { state: 'Closed', consecutiveFailures: 0 },
    spend: { periodStart: '2026-11-22T00:00:00Z', amount: '0.0045', currency: 'USD', runs: 1 },
  },
  decisions: ['BudgetExhausted'],
  result: { requeueAfterMs: 12 * 3_600 * SECOND + SLACK_MS },
});

cases.push(
  {
    name: "the judge's provider failures (exit 20, 21) count for the provider that judged the run",
    provider: providerObject('p', breaker),
    jobs: [judgeFailedWith(20, 1, NOW - 30 * SECOND), judgeFailedWith(21, 2, NOW - 20 * SECOND)],
    status: { circuit: { state: 'Open', consecutiveFailures: 2 } },
    decisions: ['CircuitOpened'],
    result: { requeueAfterMs: 40 * SECOND + SLACK_MS },
  },
  {
    name: "the judge's provider failures do not count for the provider that served the run",
    provider: providerObject('p', breaker),
    jobs: [
      judgedBy('other', failedWith(20, 1, NOW - 30 * SECOND)),
      judgedBy('other', failedWith(21, 2, NOW - 20 * SECOND)),
    ],
    status: { circuit: { state: 'Closed', consecutiveFailures: 0 } },
    decisions: [],
    result: undefined,
  },
  {
    name: "the judge's rejected credentials (exit 22) make the judge's provider Degraded, saying so",
    provider: providerObject('p'),
    jobs: [judgeFailedWith(22, 1, NOW - 30 * SECOND)],
    status: {
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: 'Degraded',
          reason: 'CredentialsRejected',
          message:
            "run s-1-b-t exited 22: the provider rejected the judge's credentials; no run starts on this provider until its spec or credentials reference changes",
        }),
      ]),
    },
    decisions: ['CredentialsRejected'],
    result: undefined,
  },
);

describe('provider reconciler', () => {
  it.each(cases)('$name', async (c) => {
    const t = setup(c.provider, c.jobs, c.pods);
    expect(await t.run()).toEqual(c.result);
    expect(t.writes.statuses).toHaveLength(1);
    expect(t.writes.statuses[0]).toMatchObject({
      metadata: { name: 'p', resourceVersion: '20' },
      status: c.status,
    });
    expect(t.recorded.map((r) => r.reason)).toEqual(c.decisions);
    // The scheduler's state has it before the status write comes back through the watch.
    const written = t.writes.statuses[0] as ProviderObject;
    const snapshot = t.scheduler.providerSnapshot('ns/p', c.provider, NOW);
    expect(snapshot.circuit?.state).toBe(written.status?.circuit?.state);
    expect(t.passes(), 'a scheduling pass for the new provider state').toBe(1);
  });

  it('asks for a scheduling pass only when something the scheduler reads changed', async () => {
    const t = setup(providerObject('p', budget), [running]);
    await t.run();
    expect(t.passes(), 'the first state the scheduler holds').toBe(1);

    // Nothing new: no pass (an Active run's count is status only).
    await t.run();
    expect(t.passes()).toBe(1);

    // A run finishes and spends: the scheduler reserves by spend.
    t.stores.jobs.upsert(succeeded);
    t.stores.pods.upsert(usagePod);
    await t.run();
    expect(t.passes()).toBe(2);
    expect(
      t.scheduler.providerSnapshot('ns/p', t.stores.providers.getByName('ns', 'p')!, NOW).budget,
    ).toMatchObject({
      spent: 3_000_000n,
    });
  });

  it('forgets a deleted provider and writes nothing', async () => {
    const t = setup(providerObject('p', breaker), [
      failedWith(10, 1, NOW - 30 * SECOND),
      failedWith(10, 2, NOW - 20 * SECOND),
    ]);
    await t.run();
    expect(t.scheduler.providerSnapshot('ns/p', providerObject('p', breaker), NOW).circuit?.state).toBe(
      'Open',
    );
    t.stores.providers.remove('ns/p');
    t.writes.statuses.length = 0;
    expect(await t.run()).toBeUndefined();
    expect(t.writes.statuses).toEqual([]);
    // The scheduler's state no longer answers for it: a provider of that name made again starts from its own status.
    expect(t.scheduler.providerSnapshot('ns/p', providerObject('p', breaker), NOW).circuit?.state).toBe(
      'Closed',
    );
  });
});
