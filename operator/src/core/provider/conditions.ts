import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { findCondition, removeCondition, setCondition, type Condition } from '../../meta/conditions.ts';
import { CIRCUIT_DEFAULTS, nextPeriodStart, type Accounting } from './accounting.ts';
import { parseMoney } from './money.ts';

type Spec = ProviderPolicy['spec'];

export interface ProviderConditions {
  conditions: Condition[];
  /** Why no run may start until a person changes something, while the credentials are rejected. */
  degradedMessage?: string;
}

/**
 * The ProviderPolicy's conditions (docs/api.md): `Ready` says whether runs may start on the provider
 * now; rejected credentials make it `Degraded` and `Stalled` until its spec changes (a person must
 * fix them), while an open circuit or an exhausted budget only make it not `Ready`: they heal by
 * themselves, after the cooldown or in the next period.
 */
export function providerConditions(
  previous: readonly Condition[],
  accounting: Accounting,
  spec: Spec,
  generation: number,
  now: Date,
): ProviderConditions {
  const previousDegraded = findCondition(previous, 'Degraded');
  // Raised at the generation it was seen in; a spec change (e.g. a new credentials reference) clears it.
  const stillDegraded =
    previousDegraded?.status === 'True' && (previousDegraded.observedGeneration ?? 0) >= generation;
  let conditions = [...previous];
  if (accounting.credentialsRejected !== undefined || stillDegraded) {
    const message =
      accounting.events.find((e) => e.reason === 'CredentialsRejected')?.message ?? previousDegraded!.message;
    const degradedAt = accounting.credentialsRejected
      ? generation
      : (previousDegraded?.observedGeneration ?? generation);
    const rejected = { status: 'True', reason: 'CredentialsRejected', message } as const;
    conditions = setCondition(
      conditions,
      { type: 'Degraded', ...rejected, observedGeneration: degradedAt },
      now,
    );
    conditions = setCondition(
      conditions,
      { type: 'Stalled', ...rejected, observedGeneration: generation },
      now,
    );
    conditions = setCondition(
      conditions,
      { type: 'Ready', ...rejected, status: 'False', observedGeneration: generation },
      now,
    );
    return { conditions, degradedMessage: message };
  }
  conditions = removeCondition(removeCondition(conditions, 'Degraded'), 'Stalled');
  conditions = setCondition(
    conditions,
    { type: 'Ready', ...readiness(accounting, spec, now.getTime()), observedGeneration: generation },
    now,
  );
  return { conditions };
}

function readiness(
  accounting: Accounting,
  spec: Spec,
  now: number,
): { status: 'True' | 'False'; reason: string; message: string } {
  const { circuit, spend } = accounting;
  if (circuit.state === 'Open') {
    return {
      status: 'False',
      reason: 'CircuitOpen',
      message: `the circuit is Open${circuit.openUntil ? ` until ${circuit.openUntil}` : ''} after ${circuit.consecutiveFailures ?? 0} consecutive provider failures: no run starts on this provider until then`,
    };
  }
  if (spec.budget && spend && parseMoney(spend.amount ?? '0') >= parseMoney(spec.budget.limit)) {
    const reopens = new Date(nextPeriodStart(spec.budget.period ?? 'Month', now)).toISOString();
    return {
      status: 'False',
      reason: 'BudgetExhausted',
      message: `spent ${spend.amount} ${spend.currency} of the ${spec.budget.limit} ${spend.currency} budget: no run starts on this provider until the next period (${reopens})`,
    };
  }
  if (circuit.state === 'HalfOpen') {
    return {
      status: 'True',
      reason: 'CircuitHalfOpen',
      message: `the circuit is HalfOpen: up to ${spec.circuitBreaker?.halfOpenMaxRuns ?? CIRCUIT_DEFAULTS.halfOpenMaxRuns} probe run(s) may start`,
    };
  }
  return { status: 'True', reason: 'Available', message: 'the provider accepts runs' };
}
