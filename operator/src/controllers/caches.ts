import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../api/v1alpha1/index.ts';
import { LABELS, MANAGED_SELECTOR } from '../core/render/labels.ts';
import type { JobView, PodView } from '../core/suite/observe.ts';
import type { SuiteInputs } from '../core/suite/view.ts';
import type { KubeObject } from '../runtime/client/resource.ts';
import type { Informer } from '../runtime/informer/informer.ts';
import { byNamespace, byOwnerUid } from '../runtime/informer/store.ts';
import type { Manager } from '../runtime/manager/manager.ts';
import type { AdmissionLedger } from './scheduler/ledger.ts';
import { benchmarkSuiteType, jobType, podType, providerPolicyType, schedulePolicyType } from './resources.ts';

export type SuiteObject = BenchmarkSuite & KubeObject;
export type ProviderObject = ProviderPolicy & KubeObject;
export type PolicyObject = SchedulePolicy & KubeObject;
export type JobObject = JobView & KubeObject;
export type PodObject = PodView & KubeObject;

/**
 * Pods the operator reads: only finished ones. What it takes from a pod is its container's exit
 * code and termination message (the run's result), which exist once the pod has finished (one
 * container, restartPolicy Never); the Job's status covers the pod before that. A pod passes
 * through five or more states on its way there, each a watch event to decode: with this selector
 * the API server sends a pod when it finishes (as ADDED) and little else (make bench: decoding watch
 * events was the operator's largest CPU cost while Jobs were created; with this and managedFields
 * dropped from the cache, its CPU until the last Job fell from 13.3 to 10.3 s).
 */
export const FINISHED_PODS = 'status.phase!=Pending,status.phase!=Running,status.phase!=Unknown';

/** The informers the operator's controllers share. Jobs and Pods only with the operator's label. */
export interface Caches {
  suites: Informer<SuiteObject>;
  providers: Informer<ProviderObject>;
  policies: Informer<PolicyObject>;
  jobs: Informer<JobObject>;
  pods: Informer<PodObject>;
}

export function createCaches(manager: Manager): Caches {
  return {
    suites: manager.informer<SuiteObject>({ type: benchmarkSuiteType, indexers: { namespace: byNamespace } }),
    providers: manager.informer<ProviderObject>({
      type: providerPolicyType,
      indexers: { namespace: byNamespace },
    }),
    policies: manager.informer<PolicyObject>({ type: schedulePolicyType }),
    jobs: manager.informer<JobObject>({
      type: jobType,
      labelSelector: MANAGED_SELECTOR,
      indexers: { owner: byOwnerUid, provider: byProvider },
    }),
    pods: manager.informer<PodObject>({
      type: podType,
      labelSelector: MANAGED_SELECTOR,
      fieldSelector: FINISHED_PODS,
      indexers: { owner: byOwnerUid },
    }),
  };
}

/** Jobs by the ProviderPolicy their run used, `namespace/name`. */
const byProvider = (job: KubeObject): string[] => {
  const provider = job.metadata.labels?.[LABELS.provider];
  return provider && job.metadata.namespace ? [`${job.metadata.namespace}/${provider}`] : [];
};

/** Everything the core needs about one suite, read from the caches. */
export function suiteInputs(
  caches: Caches,
  ledger: AdmissionLedger,
  suite: SuiteObject,
  now: number,
): SuiteInputs {
  const namespace = suite.metadata.namespace!;
  const key = `${namespace}/${suite.metadata.name}`;
  const providers = new Map(
    caches.providers.store
      .byIndex('namespace', namespace)
      .map((p) => [p.metadata.name!, p as ProviderPolicy]),
  );
  const policyName = suite.spec.schedulePolicyRef;
  return {
    suite,
    jobs: caches.jobs.store.byIndex('owner', suite.metadata.uid!),
    podsOfJob: (job) => (job.metadata.uid ? caches.pods.store.byIndex('owner', job.metadata.uid) : []),
    pendingAttempts: ledger.forSuite(key),
    providers,
    schedulePolicy: policyName ? caches.policies.store.getByName(namespace, policyName) : undefined,
    now,
  };
}
