import type { Manager } from '../../runtime/manager/manager.ts';
import type { Clock } from '../../runtime/time/clock.ts';
import type { Caches } from '../caches.ts';
import { registerDecisionMetrics, type DecisionMetrics } from './decision-metrics.ts';
import { registerProviderMetrics } from './provider-metrics.ts';
import { sourcesFromCaches } from './sources.ts';
import { registerSuiteMetrics } from './suite-metrics.ts';

/**
 * The operator's bench_* metrics on the manager's registry (docs/metrics.md): levels read from
 * the caches at scrape time, and what the controllers report as they decide.
 */
export function setupDomainMetrics(manager: Manager, caches: Caches, clock: Clock): DecisionMetrics {
  const sources = sourcesFromCaches(caches, () => manager.isLeader(), clock);
  registerSuiteMetrics(manager.registry, sources);
  registerProviderMetrics(manager.registry, sources);
  const metrics = registerDecisionMetrics(manager.registry, sources);
  caches.providers.addEventHandler({
    onDelete: (policy) => metrics.forgetProvider(policy.metadata.namespace!, policy.metadata.name!),
  });
  return metrics;
}
