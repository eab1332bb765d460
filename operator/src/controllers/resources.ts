import { resources } from '../api/v1alpha1/index.ts';
import type { ResourceType } from '../runtime/client/resource.ts';

export const benchmarkSuiteType: ResourceType = resources.BenchmarkSuite;
export const providerPolicyType: ResourceType = resources.ProviderPolicy;
export const schedulePolicyType: ResourceType = resources.SchedulePolicy;
export const benchmarkRoundType: ResourceType = resources.BenchmarkRound;
export const jobType: ResourceType = {
  group: 'batch',
  version: 'v1',
  plural: 'jobs',
  kind: 'Job',
  namespaced: true,
};
export const podType: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'pods',
  kind: 'Pod',
  namespaced: true,
};
