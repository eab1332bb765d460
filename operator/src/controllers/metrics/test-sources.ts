import type { JobObject, PolicyObject, ProviderObject, SuiteObject } from '../caches.ts';
import type { MetricSources } from './sources.ts';
import type { Registry } from 'prom-client';

/** Sources over plain arrays the test changes as it goes, as the caches change. */
export function arraySources(now = Date.parse('2025-06-15T12:00:00Z')) {
  const state = {
    suites: [] as SuiteObject[],
    policies: [] as PolicyObject[],
    providers: [] as ProviderObject[],
    jobs: [] as JobObject[],
    leader: true,
    now,
  };
  const sources: MetricSources = {
    suites: () => state.suites,
    schedulePolicies: () => state.policies,
    providers: () => state.providers,
    jobsOfProvider: (key) =>
      state.jobs.filter(
        (job) => `${job.metadata.namespace}/${job.metadata.labels?.['bench.dev/provider']}` === key,
      ),
    job: (namespace, name) =>
      state.jobs.find((job) => job.metadata.namespace === namespace && job.metadata.name === name),
    isLeader: () => state.leader,
    now: () => state.now,
  };
  return { state, sources };
}

/** The samples of one metric (a histogram's with `suffix`, e.g. _count) as `{labels: value}`, sorted. */
export async function samples(
  registry: Registry,
  name: string,
  suffix = '',
): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return Object.fromEntries(
    values
      .filter((v) => ((v as { metricName?: string }).metricName ?? name) === name + suffix)
      .map((v): [string, number] => [
        Object.entries(v.labels)
          .map(([k, l]) => `${k}=${l}`)
          .join(','),
        v.value,
      ])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
