import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import type { ProviderEvent } from '../provider/accounting.ts';
import { compact, decisionId, type DecisionRecord, type ObjectRef, type Referable } from './record.ts';

type Status = NonNullable<ProviderPolicy['status']>;

export function policyRef(policy: Referable): ObjectRef & { uid: string } {
  const { namespace, name, uid } = policy.metadata ?? {};
  if (!namespace || !name || !uid)
    throw new Error('a ProviderPolicy in the cache has a namespace, name and uid');
  return {
    apiVersion: policy.apiVersion ?? 'bench.dev/v1alpha1',
    kind: policy.kind ?? 'ProviderPolicy',
    namespace,
    name,
    uid,
  };
}

/**
 * A circuit transition, an exhausted budget or rejected credentials, as the provider's accounting
 * found it. Its id is the event's time (from the runs' completion times) and reason, so the same
 * runs accounted again yield the same id.
 */
export function providerDecision(
  policy: Referable & Pick<ProviderPolicy, 'spec'>,
  event: ProviderEvent,
  status: Pick<Status, 'circuit' | 'spend'>,
  now: number,
): DecisionRecord {
  const ref = policyRef(policy);
  const spend = status.spend;
  return {
    id: decisionId(ref.uid, new Date(event.at).toISOString(), event.reason),
    reason: event.reason,
    eventReason: event.reason,
    type: event.type,
    action: 'Account',
    regarding: ref,
    ...(event.job
      ? { related: { apiVersion: 'batch/v1', kind: 'Job', namespace: ref.namespace, name: event.job } }
      : {}),
    message: event.message,
    time: new Date(now).toISOString(),
    facts: compact({
      provider: ref.name,
      job: event.job,
      circuit: status.circuit
        ? compact({
            state: status.circuit.state ?? 'Closed',
            consecutiveFailures: status.circuit.consecutiveFailures,
            openUntil: status.circuit.openUntil,
          })
        : undefined,
      spend:
        spend && policy.spec.budget
          ? compact({
              amount: spend.amount,
              currency: spend.currency,
              limit: policy.spec.budget.limit,
              periodStart: spend.periodStart,
            })
          : undefined,
    }),
  };
}
