import { Gauge, type Registry } from 'prom-client';
import { periodStart } from '../../core/provider/accounting.ts';
import { parseMoney } from '../../core/provider/money.ts';
import { observeAttempt } from '../../core/suite/observe.ts';
import type { ProviderObject } from '../caches.ts';
import type { MetricSources } from './sources.ts';

const CIRCUIT_STATES = ['Closed', 'Open', 'HalfOpen'] as const;

const providerLabels = (policy: ProviderObject) => ({
  namespace: policy.metadata.namespace!,
  providerpolicy: policy.metadata.name!,
});

/** Money in the API is a decimal string; a gauge is a float, precise enough for a graph. */
const amount = (text: string): number => Number(parseMoney(text)) / 1e9;

/** The spend of the budget period containing `now`: an earlier period's spend counts as nothing. */
export function currentSpend(policy: ProviderObject, now: number): number {
  const period = policy.spec.budget?.period ?? 'Month';
  const spend = policy.status?.spend;
  const current = spend?.periodStart && Date.parse(spend.periodStart) === periodStart(period, now);
  return current && spend.amount ? amount(spend.amount) : 0;
}

/** Gauges of the ProviderPolicies: circuit, runs against their cap, spend against their budget. */
export function registerProviderMetrics(registry: Registry, sources: MetricSources): void {
  const registers = [registry];
  const perProvider = (fill: (gauge: Gauge<string>, policy: ProviderObject) => void) =>
    function collect(this: Gauge<string>) {
      this.reset();
      if (!sources.isLeader()) return;
      for (const policy of sources.providers()) fill(this, policy);
    };
  new Gauge({
    name: 'bench_providerpolicy_circuit_state',
    help: "The ProviderPolicy's circuit breaker: 1 for the current state (Closed, Open, HalfOpen), 0 for the others.",
    labelNames: ['namespace', 'providerpolicy', 'state'],
    registers,
    collect: perProvider((gauge, policy) => {
      const current = policy.status?.circuit?.state ?? 'Closed';
      for (const state of CIRCUIT_STATES) {
        gauge.set({ ...providerLabels(policy), state }, state === current ? 1 : 0);
      }
    }),
  });
  new Gauge({
    name: 'bench_providerpolicy_active_runs',
    help: 'Runs using the ProviderPolicy now: its Jobs that have not finished.',
    labelNames: ['namespace', 'providerpolicy'],
    registers,
    collect: perProvider((gauge, policy) => {
      const labels = providerLabels(policy);
      const jobs = sources.jobsOfProvider(`${labels.namespace}/${labels.providerpolicy}`);
      gauge.set(labels, jobs.filter((job) => observeAttempt(job, []).phase === 'Active').length);
    }),
  });
  new Gauge({
    name: 'bench_providerpolicy_max_concurrent_runs',
    help: "The ProviderPolicy's spec.maxConcurrentRuns (absent when it has no cap).",
    labelNames: ['namespace', 'providerpolicy'],
    registers,
    collect: perProvider((gauge, policy) => {
      const cap = policy.spec.maxConcurrentRuns;
      if (cap !== undefined) gauge.set(providerLabels(policy), cap);
    }),
  });
  const withBudget = (fill: (policy: ProviderObject) => number) =>
    perProvider((gauge, policy) => {
      const { budget, cost } = policy.spec;
      if (!budget || !cost) return;
      gauge.set({ ...providerLabels(policy), currency: cost.currency ?? 'USD' }, fill(policy));
    });
  new Gauge({
    name: 'bench_providerpolicy_budget_spent',
    help: "Spend of the ProviderPolicy's current budget period, in its currency (only for policies with a budget).",
    labelNames: ['namespace', 'providerpolicy', 'currency'],
    registers,
    collect: withBudget((policy) => currentSpend(policy, sources.now())),
  });
  new Gauge({
    name: 'bench_providerpolicy_budget_limit',
    help: "The ProviderPolicy's budget limit per period, in its currency (only for policies with a budget).",
    labelNames: ['namespace', 'providerpolicy', 'currency'],
    registers,
    collect: withBudget((policy) => amount(policy.spec.budget!.limit)),
  });
}
