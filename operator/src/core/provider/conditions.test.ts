import { describe, expect, it } from 'vitest';
import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { findCondition, type Condition } from '../../meta/conditions.ts';
import { account, type FinishedRun } from './accounting.ts';
import { providerConditions } from './conditions.ts';

const spec: ProviderPolicy['spec'] = {
  provider: 'openai',
  circuitBreaker: { failureThreshold: 2, cooldown: '1m', halfOpenMaxRuns: 2 },
  cost: { currency: 'USD', inputPerMillionTokens: '1000000', outputPerMillionTokens: '0' },
  budget: { limit: '5', period: 'Day' },
};
const t0 = Date.parse('2026-11-22T10:00:00Z');
const now = new Date(t0 + 10_000);
const run = (job: string, outcome: FinishedRun['outcome'], inputTokens = 0): FinishedRun => ({
  job,
  completionTime: new Date(t0 + 1000).toISOString(),
  outcome,
  usage: { inputTokens, outputTokens: 0 },
});

function conditionsAfter(runs: FinishedRun[], previous: Condition[] = [], generation = 1) {
  const status = { conditions: previous as NonNullable<ProviderPolicy['status']>['conditions'] };
  const accounting = account(spec, status, runs, now.getTime());
  return providerConditions(previous, accounting, spec, generation, now);
}

const summary = (conditions: Condition[]) =>
  Object.fromEntries(conditions.map((c) => [c.type, `${c.status} ${c.reason}`]));

describe('ProviderPolicy conditions', () => {
  it('are Ready and Available while runs may start', () => {
    const { conditions, degradedMessage } = conditionsAfter([run('a', 'success', 1)]);
    expect(summary(conditions)).toEqual({ Ready: 'True Available' });
    expect(degradedMessage).toBeUndefined();
  });

  it('are not Ready while the circuit is open, and neither Stalled nor Degraded: it heals by itself', () => {
    const { conditions } = conditionsAfter([run('a', 'providerFailure'), run('b', 'providerFailure')]);
    expect(summary(conditions)).toEqual({ Ready: 'False CircuitOpen' });
    expect(findCondition(conditions, 'Ready')!.message).toBe(
      'the circuit is Open until 2026-11-22T10:01:01Z after 2 consecutive provider failures: no run starts on this provider until then',
    );
  });

  it('are not Ready once the budget is spent, naming the next period', () => {
    const { conditions } = conditionsAfter([run('a', 'success', 5)]);
    expect(summary(conditions)).toEqual({ Ready: 'False BudgetExhausted' });
    expect(findCondition(conditions, 'Ready')!.message).toBe(
      'spent 5 USD of the 5 USD budget: no run starts on this provider until the next period (2026-11-23T00:00:00.000Z)',
    );
  });

  it('are Degraded, Stalled and not Ready when the credentials are rejected, until the spec changes', () => {
    const rejected = conditionsAfter([run('a', 'credentialsRejected')]);
    expect(summary(rejected.conditions)).toEqual({
      Degraded: 'True CredentialsRejected',
      Stalled: 'True CredentialsRejected',
      Ready: 'False CredentialsRejected',
    });
    expect(rejected.degradedMessage).toMatch(/^run a exited 12: the provider rejected the credentials/);

    // Later passes keep it at the same generation, with the message of the run that caused it...
    const later = providerConditions(rejected.conditions, account(spec, {}, [], now.getTime()), spec, 1, now);
    expect(summary(later.conditions)).toEqual(summary(rejected.conditions));
    expect(later.degradedMessage).toBe(rejected.degradedMessage);

    // ...and a new generation (e.g. another Secret reference) clears it.
    const fixed = providerConditions(rejected.conditions, account(spec, {}, [], now.getTime()), spec, 2, now);
    expect(summary(fixed.conditions)).toEqual({ Ready: 'True Available' });
    expect(fixed.degradedMessage).toBeUndefined();
  });
});
