// What a run cost in money, for its status entry and round record: its own requests at the prices
// of the provider that served it, what the items it reused had cost, and its judge's requests at
// the judge's provider's prices.
import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { REUSE_METRICS } from '../../../../runner/src/contract/result.ts';
import { formatMoney } from '../provider/money.ts';
import { pricesOf, usageCost, type Prices } from '../provider/prices.ts';
import type { StatusResult } from './result.ts';
import type { RunState } from './run-state.ts';

export type RunCosts = Pick<StatusResult, 'cost' | 'currency' | 'reusedCost' | 'judgeCost' | 'judgeCurrency'>;

/**
 * The runs with their costs, at the current prices of the suite's ProviderPolicies (`providers`,
 * by name): a run without a result, or whose provider has no prices, has none. A result read back
 * from status (its Job is gone) keeps the costs it was written with: prices changed since do not
 * reprice a finished run.
 */
export function withCosts(runs: RunState[], providers: Map<string, ProviderPolicy>): RunState[] {
  const known = new Map<string, Prices | undefined>();
  const prices = (name: string | undefined): Prices | undefined => {
    if (name === undefined) return undefined;
    if (!known.has(name)) known.set(name, pricesOf(providers.get(name)?.spec.cost));
    return known.get(name);
  };
  return runs.map((run) => {
    if (!run.result) return run;
    const costs =
      recordedCosts(run.result) ??
      runCosts(
        run.result,
        prices(run.provider || run.spec.target.providerRef),
        prices(run.spec.benchmark.judge?.providerRef),
      );
    return Object.keys(costs).length > 0 ? { ...run, costs } : run;
  });
}

const COST_FIELDS = ['cost', 'currency', 'reusedCost', 'judgeCost', 'judgeCurrency'] as const;

/** The costs a result read back from status holds (bench-runner's results hold no currency). */
function recordedCosts(result: NonNullable<RunState['result']>): RunCosts | undefined {
  const recorded = result as RunCosts;
  if (recorded.currency === undefined && recorded.judgeCurrency === undefined) return undefined;
  return Object.fromEntries(
    COST_FIELDS.flatMap((field) => (recorded[field] ? [[field, recorded[field]]] : [])),
  );
}

function runCosts(
  result: NonNullable<RunState['result']>,
  target: Prices | undefined,
  judge: Prices | undefined,
): RunCosts {
  const costs: RunCosts = {};
  if (target && result.usage) {
    costs.cost = formatMoney(usageCost(result.usage, target));
    costs.currency = target.currency;
    const reused = {
      inputTokens: result.metrics?.[REUSE_METRICS.inputTokens] ?? 0,
      outputTokens: result.metrics?.[REUSE_METRICS.outputTokens] ?? 0,
    };
    if (reused.inputTokens > 0 || reused.outputTokens > 0)
      costs.reusedCost = formatMoney(usageCost(reused, target));
  }
  if (judge && result.judgeUsage) {
    costs.judgeCost = formatMoney(usageCost(result.judgeUsage, judge));
    costs.judgeCurrency = judge.currency;
  }
  return costs;
}
