import type { Clock } from '../../runtime/time/clock.ts';
import type { Caches, JobObject, PolicyObject, ProviderObject, SuiteObject } from '../caches.ts';

/** What the domain metrics read, at scrape time: the informer caches, leadership and the clock. */
export interface MetricSources {
  suites(): SuiteObject[];
  schedulePolicies(): PolicyObject[];
  providers(): ProviderObject[];
  /** The Jobs whose runs use the ProviderPolicy `namespace/name`. */
  jobsOfProvider(key: string): JobObject[];
  job(namespace: string, name: string): JobObject | undefined;
  /**
   * Only the leader exports the levels read from the caches: every replica's caches hold the same
   * objects, and a standby exporting them too would double every sum over replicas.
   */
  isLeader(): boolean;
  now(): number;
}

export function sourcesFromCaches(caches: Caches, isLeader: () => boolean, clock: Clock): MetricSources {
  return {
    suites: () => caches.suites.store.list(),
    schedulePolicies: () => caches.policies.store.list(),
    providers: () => caches.providers.store.list(),
    jobsOfProvider: (key) => caches.jobs.store.byIndex('provider', key),
    job: (namespace, name) => caches.jobs.store.getByName(namespace, name),
    isLeader,
    now: () => clock.now(),
  };
}
