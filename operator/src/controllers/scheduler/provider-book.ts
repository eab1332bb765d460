import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import {
  afterWatermark,
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

/** A run of the provider that has finished: its spend counts once the provider's accounting has it. */
interface FinishedRun {
  job: string;
  completionTime: string;
}

/**
 * The providers' latest circuit, spend and degradation as their reconciler computed them. The
 * scheduler reads it rather than the cached status, so a circuit opened a moment ago is honoured
 * by the very next pass, before the status write has come back through the watch.
 */
export class ProviderBook {
  private readonly entries = new Map<string, Entry>();

  /**
   * Runs that finished after their provider's accounting last looked, by provider: a budgeted
   * provider's spend reaches the book only when its reconciler has accounted them, and until then
   * each still reserves its expected cost, as it did while in flight. Without this, a slot freed
   * by a run that spent the rest of the budget could be taken before the spend counts.
   */
  private readonly unaccounted = new Map<string, Map<string, FinishedRun>>();

  /** Returns whether anything the scheduler decides on changed. */
  record(key: string, policy: ProviderPolicy, status: Status, degraded: string | undefined): boolean {
    const before = this.entries.get(key);
    this.entries.set(key, { generation: policy.metadata.generation ?? 0, status, degraded });
    const accounted = this.pruneAccounted(key, status);
    if (!before) return true;
    return (
      accounted ||
      before.degraded !== degraded ||
      before.status.circuit?.state !== status.circuit?.state ||
      before.status.circuit?.openUntil !== status.circuit?.openUntil ||
      before.status.spend?.amount !== status.spend?.amount
    );
  }

  forget(key: string): void {
    this.entries.delete(key);
    this.unaccounted.delete(key);
  }

  /** The run's Job finished: it holds its expected cost of each provider's budget until accounted. */
  runFinished(keys: string[], run: FinishedRun): void {
    for (const key of keys) {
      if (!afterWatermark(run, this.entries.get(key)?.status.accountedThrough)) continue;
      let runs = this.unaccounted.get(key);
      if (!runs) this.unaccounted.set(key, (runs = new Map<string, FinishedRun>()));
      runs.set(run.job, run);
    }
  }

  /** Drops the runs the provider's accounting now has; returns whether there were any. */
  private pruneAccounted(key: string, status: Status): boolean {
    const runs = this.unaccounted.get(key);
    if (!runs) return false;
    const before = runs.size;
    for (const run of runs.values()) {
      if (!afterWatermark(run, status.accountedThrough)) runs.delete(run.job);
    }
    if (runs.size === 0) this.unaccounted.delete(key);
    return runs.size !== before;
  }

  /** The provider's finished runs its accounting (as `status` has it) has not counted yet. */
  private unaccountedRuns(key: string, status: Status | undefined): number {
    let count = 0;
    for (const run of this.unaccounted.get(key)?.values() ?? []) {
      if (afterWatermark(run, status?.accountedThrough)) count++;
    }
    return count;
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
      const reserve = reservePerRun(spend);
      const unaccounted = reserve > 0n ? this.unaccountedRuns(key, status) : 0;
      snapshot.budget = {
        limit: parseMoney(spec.budget.limit),
        spent: parseMoney(spend?.amount ?? '0') + reserve * BigInt(unaccounted),
        reservePerRun: reserve,
        describe: `${spend?.amount ?? '0'} of its ${spec.budget.limit} ${spec.cost.currency} ${periodAdjective(period)} budget${unaccounted ? `, ${unaccounted} finished run${unaccounted === 1 ? '' : 's'} not yet accounted reserving their expected cost` : ''}`,
        resetsAt: nextPeriodStart(period, now),
      };
    }
    return snapshot;
  }
}
