import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import {
  CIRCUIT_DEFAULTS,
  nextPeriodStart,
  periodAdjective,
  periodStart,
  reservePerRun,
} from '../../core/provider/accounting.ts';
import { parseMoney } from '../../core/provider/money.ts';
import type { ProviderSnapshot } from '../../core/scheduling/engine.ts';

type Status = NonNullable<ProviderPolicy['status']>;

interface Entry {
  generation: number;
  status: Status;
  degraded: string | undefined;
}

/**
 * The providers' latest circuit, spend and degradation as their reconciler computed them. The
 * scheduler reads it rather than the cached status, so a circuit opened a moment ago is honoured
 * by the very next pass, before the status write has come back through the watch.
 */
export class ProviderBook {
  private readonly entries = new Map<string, Entry>();

  /** Returns whether anything the scheduler decides on changed. */
  record(key: string, policy: ProviderPolicy, status: Status, degraded: string | undefined): boolean {
    const before = this.entries.get(key);
    this.entries.set(key, { generation: policy.metadata.generation ?? 0, status, degraded });
    if (!before) return true;
    return (
      before.degraded !== degraded ||
      before.status.circuit?.state !== status.circuit?.state ||
      before.status.circuit?.openUntil !== status.circuit?.openUntil ||
      before.status.spend?.amount !== status.spend?.amount
    );
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** The engine's view of a provider: its spec's limits with the freshest state known. */
  snapshot(key: string, policy: ProviderPolicy, now: number): ProviderSnapshot {
    const entry = this.entries.get(key);
    const fresh = entry && entry.generation === (policy.metadata.generation ?? 0);
    const status = fresh ? entry.status : policy.status;
    const spec = policy.spec;
    const namespace = policy.metadata.namespace;
    const snapshot: ProviderSnapshot = {
      maxConcurrentRuns: spec.maxConcurrentRuns,
      circuit: {
        state: status?.circuit?.state ?? 'Closed',
        openUntil: status?.circuit?.openUntil ? Date.parse(status.circuit.openUntil) : undefined,
        halfOpenMaxRuns: spec.circuitBreaker?.halfOpenMaxRuns ?? CIRCUIT_DEFAULTS.halfOpenMaxRuns,
      },
      degraded: fresh ? entry.degraded : undefined,
      models: spec.models,
      failover: (spec.failover ?? []).map((f) => ({
        provider: `${namespace}/${f.providerRef}`,
        models: f.models ?? {},
      })),
    };
    if (spec.budget && spec.cost) {
      const period = spec.budget.period ?? 'Month';
      // A spend from an earlier period no longer counts, even before the reconciler has reset it.
      const current =
        status?.spend?.periodStart && Date.parse(status.spend.periodStart) === periodStart(period, now);
      const spend = current ? status.spend : undefined;
      snapshot.budget = {
        limit: parseMoney(spec.budget.limit),
        spent: parseMoney(spend?.amount ?? '0'),
        reservePerRun: reservePerRun(spend),
        describe: `${spend?.amount ?? '0'} of its ${spec.budget.limit} ${spec.cost.currency} ${periodAdjective(period)} budget`,
        resetsAt: nextPeriodStart(period, now),
      };
    }
    return snapshot;
  }
}
