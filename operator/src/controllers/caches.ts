import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../api/v1alpha1/index.ts';
import { LABELS, MANAGED_SELECTOR } from '../core/render/labels.ts';
import type { JobView, PodView } from '../core/suite/observe.ts';
import type { SuiteInputs } from '../core/suite/inputs.ts';
import type { KubeObject } from '../runtime/client/resource.ts';
import type { Informer } from '../runtime/informer/informer.ts';
import { project, type FieldSpec } from '../runtime/informer/projection.ts';
import { byNamespace, byOwnerUid } from '../runtime/informer/store.ts';
import type { Manager } from '../runtime/manager/manager.ts';
import type { SuiteSchedulingView } from './scheduler/state.ts';
import {
  benchmarkRoundType,
  benchmarkSuiteType,
  jobType,
  podType,
  providerPolicyType,
  schedulePolicyType,
} from './resources.ts';

export type SuiteObject = BenchmarkSuite & KubeObject;
export type ProviderObject = ProviderPolicy & KubeObject;
export type PolicyObject = SchedulePolicy & KubeObject;
export type JobObject = JobView & KubeObject;
export type PodObject = PodView & KubeObject;
/** A BenchmarkRound as cached: its metadata only (its round is its bench.dev/round label), never its runs. */
export type RoundObject = KubeObject;

/**
 * Pods the operator reads: pending and finished ones. A finished pod holds the run's result (its
 * container's exit code and termination message); a pending one why the runner has not started
 * (waiting reasons, the scheduler's condition; core/suite/pod-problems.ts). Running pods tell
 * nothing the Job's status does not, and leaving them out spares a watch event to decode per pod
 * on its way through Running (decoding watch events was the operator's largest CPU cost while Jobs
 * were created, make bench); a pod leaving the selection arrives as a delete.
 */
export const NOT_RUNNING_PODS = 'status.phase!=Running,status.phase!=Unknown';

// What the caches keep of each kind, and nothing else: each cached object is held for as long as it
// exists (a Job until it is deleted, which a TTL or the suite's history may take days to do), and
// the full objects are many times larger than what the controllers read (make bench measures the
// operator's memory). caches.test.ts checks the readers against these lists.

/** An owner reference as the owner index (uid) and `owns` (a controller owner's kind and name) read it. */
const OWNER_REFERENCE: FieldSpec = { apiVersion: true, kind: true, name: true, uid: true, controller: true };

const OBJECT_META: FieldSpec = {
  name: true,
  namespace: true,
  uid: true,
  resourceVersion: true,
  labels: true,
  creationTimestamp: true,
  deletionTimestamp: true,
  ownerReferences: OWNER_REFERENCE,
};

/** JobView's fields (core/suite/observe.ts): never the pod template, which is most of a Job. */
export const JOB_FIELDS: FieldSpec = {
  metadata: { ...OBJECT_META, annotations: true },
  spec: { completions: true, suspend: true },
  status: {
    startTime: true,
    completionTime: true,
    active: true,
    ready: true,
    succeeded: true,
    failed: true,
    conditions: { type: true, status: true, reason: true, message: true, lastTransitionTime: true },
  },
};

/** PodView's fields (core/suite/pod-problems.ts); podView also keeps only the conditions it reads. */
export const POD_FIELDS: FieldSpec = {
  metadata: OBJECT_META,
  status: {
    phase: true,
    reason: true,
    message: true,
    conditions: { type: true, status: true, reason: true, message: true },
    containerStatuses: { name: true, state: { waiting: true, terminated: true } },
  },
};

/**
 * What the operator reads of a BenchmarkRound: which suite and round it records (its owner and
 * labels). The informer asks for metadata only: a record holds up to a thousand runs, and a page of
 * whole records could be hundreds of megabytes to decode.
 */
export const ROUND_FIELDS: FieldSpec = { metadata: OBJECT_META };

/** The cached form of an operator Job. */
export const jobView = (job: JobObject): JobObject => project(job, JOB_FIELDS);

/** The cached form of a pending or finished pod: its scheduling and disruption conditions only. */
export function podView(pod: KubeObject & PodView): PodObject {
  const view = project(pod, POD_FIELDS);
  const conditions = view.status?.conditions;
  if (conditions) view.status!.conditions = conditions.filter((c) => READ_POD_CONDITIONS.has(c.type));
  return view;
}

const READ_POD_CONDITIONS = new Set(['PodScheduled', 'DisruptionTarget']);

/**
 * An update that changes what the operator reads of a pod. The kubelet and the scheduler update
 * a pending pod for fields the view drops (probe times, IPs), and each update would otherwise
 * reconcile its suite.
 */
export function podViewChanged(previous: PodObject, current: PodObject): boolean {
  return (
    previous.metadata.deletionTimestamp !== current.metadata.deletionTimestamp ||
    JSON.stringify(previous.status) !== JSON.stringify(current.status)
  );
}

/** The cached form of a BenchmarkRound: the operator writes a record once and never reads its runs back. */
export const roundView = (round: RoundObject): RoundObject => project(round, ROUND_FIELDS);

/** The informers the operator's controllers share. Jobs and Pods only with the operator's label. */
export interface Caches {
  suites: Informer<SuiteObject>;
  providers: Informer<ProviderObject>;
  policies: Informer<PolicyObject>;
  jobs: Informer<JobObject>;
  pods: Informer<PodObject>;
  rounds: Informer<RoundObject>;
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
      transform: jobView,
    }),
    pods: manager.informer<PodObject>({
      type: podType,
      labelSelector: MANAGED_SELECTOR,
      fieldSelector: NOT_RUNNING_PODS,
      indexers: { owner: byOwnerUid },
      transform: podView,
    }),
    rounds: manager.informer<RoundObject>({
      type: benchmarkRoundType,
      labelSelector: MANAGED_SELECTOR,
      indexers: { owner: byOwnerUid },
      transform: roundView,
      metadataOnly: true,
    }),
  };
}

/** Jobs by the ProviderPolicies their run used, `namespace/name`: its target's, and its judge's. */
export const byProvider = (job: KubeObject): string[] =>
  providersOfJob(job).map(({ namespace, name }) => `${namespace}/${name}`);

/** The ProviderPolicies a run's Job uses: its provider's, and its judge's when that is another. */
export function providersOfJob(job: Labelled): Array<{ namespace: string; name: string }> {
  const namespace = job.metadata.namespace;
  const labels = job.metadata.labels ?? {};
  if (!namespace) return [];
  return [...new Set([labels[LABELS.provider], labels[LABELS.judgeProvider]])]
    .filter((name): name is string => name !== undefined && name !== '')
    .map((name) => ({ namespace, name }));
}

/** An object that may carry the operator's labels: a Job or Pod of a run. */
export interface Labelled {
  metadata: { namespace?: string; labels?: Record<string, string> };
}

/** The suite a Job or Pod of the operator belongs to, from its label. */
export function suiteOfLabelled(object: Labelled): { namespace: string; name: string } | undefined {
  const name = object.metadata.labels?.[LABELS.suite];
  return name && object.metadata.namespace ? { namespace: object.metadata.namespace, name } : undefined;
}

/** Everything the core needs about one suite, read from the caches and the scheduler's state. */
export function suiteInputs(
  caches: Caches,
  scheduling: Pick<SuiteSchedulingView, 'pendingAttempts'>,
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
    pendingAttempts: scheduling.pendingAttempts(key),
    providers,
    schedulePolicy: policyName ? caches.policies.store.getByName(namespace, policyName) : undefined,
    roundRecords: caches.rounds.store
      .byIndex('owner', suite.metadata.uid!)
      .map((r) => ({
        name: r.metadata.name!,
        uid: r.metadata.uid,
        round: Number(r.metadata.labels?.[LABELS.round]),
      }))
      .filter((r) => Number.isInteger(r.round)),
    now,
  };
}
