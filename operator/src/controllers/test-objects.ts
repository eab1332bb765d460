import { pino } from 'pino';
import type { DecisionRecord } from '../core/decisions/record.ts';
import { LABELS } from '../core/render/labels.ts';
import type { KubeClient } from '../runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../runtime/client/resource.ts';
import type { ReconcileContext } from '../runtime/controller/controller.ts';
import type { Informer } from '../runtime/informer/informer.ts';
import { byNamespace, byOwnerUid, Store } from '../runtime/informer/store.ts';
import {
  byProvider,
  type Caches,
  type JobObject,
  type PodObject,
  type RoundObject,
  type PolicyObject,
  type ProviderObject,
  type SuiteObject,
} from './caches.ts';
import type { DecisionRecorder } from './decision-recorder.ts';

/**
 * What reconciler unit tests are made of, in controller-runtime's fake-client style: caches filled
 * with objects, a client recording the writes, a context. Objects live in namespace `ns`.
 */

export function informer<T extends KubeObject>(store: Store<T>): Informer<T> {
  return { store } as unknown as Informer<T>;
}

/** The stores behind the caches, indexed as createCaches indexes them, filled with `objects`. */
export function testCaches(objects: {
  suites?: SuiteObject[];
  providers?: ProviderObject[];
  policies?: PolicyObject[];
  jobs?: JobObject[];
  pods?: PodObject[];
  rounds?: RoundObject[];
}) {
  const stores = {
    suites: new Store<SuiteObject>({ namespace: byNamespace }),
    providers: new Store<ProviderObject>({ namespace: byNamespace }),
    policies: new Store<PolicyObject>(),
    jobs: new Store<JobObject>({ owner: byOwnerUid, provider: byProvider }),
    pods: new Store<PodObject>({ owner: byOwnerUid }),
    rounds: new Store<RoundObject>({ owner: byOwnerUid }),
  };
  for (const name of Object.keys(stores) as Array<keyof typeof stores>) {
    for (const object of objects[name] ?? []) (stores[name] as Store<KubeObject>).upsert(object);
  }
  const caches: Caches = {
    suites: informer(stores.suites),
    providers: informer(stores.providers),
    policies: informer(stores.policies),
    jobs: informer(stores.jobs),
    pods: informer(stores.pods),
    rounds: informer(stores.rounds),
  };
  return { caches, stores };
}

/** The writes a reconcile made, in the order it made them. */
export interface Writes {
  statuses: KubeObject[];
  patches: Array<{ kind: string; name: string; patch: unknown; patchType: string }>;
  deletes: Array<{ kind: string; name: string; preconditions: unknown }>;
  creates: KubeObject[];
}

/** A client that records creates, status updates, patches and deletes and answers them as the API server would. */
export function recordingClient(): { client: KubeClient; writes: Writes } {
  const writes: Writes = { statuses: [], patches: [], deletes: [], creates: [] };
  const client = {
    create(_type: ResourceType, object: KubeObject) {
      writes.creates.push(structuredClone(object));
      return Promise.resolve(object);
    },
    updateStatus(_type: ResourceType, object: KubeObject) {
      writes.statuses.push(structuredClone(object));
      return Promise.resolve(object);
    },
    patch(type: ResourceType, _namespace: string, name: string, patch: unknown, patchType: string) {
      writes.patches.push({ kind: type.kind, name, patch, patchType });
      return Promise.resolve({});
    },
    delete(type: ResourceType, _namespace: string, name: string, options: { preconditions?: unknown }) {
      writes.deletes.push({ kind: type.kind, name, preconditions: options.preconditions });
      return Promise.resolve();
    },
  } as unknown as KubeClient;
  return { client, writes };
}

/** A recorder keeping the decisions it was given. */
export function recordingDecisions(): { decisions: DecisionRecorder; recorded: DecisionRecord[] } {
  const recorded: DecisionRecord[] = [];
  const decisions = {
    record(records: DecisionRecord[]) {
      recorded.push(...records);
      return Promise.resolve();
    },
    auditBacklogHold: () => undefined,
  } as unknown as DecisionRecorder;
  return { decisions, recorded };
}

export function reconcileContext(): ReconcileContext {
  return { logger: pino({ level: 'silent' }), reconcileId: 'r', signal: new AbortController().signal };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A suite with one benchmark `b` on one target `t` (provider `p`, model `m`), created a minute before `now`. */
export function suiteObject(
  name: string,
  now: number,
  spec: Partial<SuiteObject['spec']> = {},
  status?: SuiteObject['status'],
): SuiteObject {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: {
      namespace: 'ns',
      name,
      uid: `uid-${name}`,
      generation: 1,
      resourceVersion: '10',
      creationTimestamp: iso(now - 60_000),
    },
    spec: {
      runner: { image: 'bench-runner:1' },
      targets: [{ name: 't', providerRef: 'p', model: 'm' }],
      benchmarks: [{ name: 'b' }],
      ...spec,
    },
    ...(status ? { status } : {}),
  } as SuiteObject;
}

export function providerObject(
  name: string,
  spec: Partial<ProviderObject['spec']> = {},
  status?: ProviderObject['status'],
): ProviderObject {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { namespace: 'ns', name, uid: `uid-${name}`, generation: 1, resourceVersion: '20' },
    spec: { provider: 'openai-compatible', endpoint: 'http://healthy.invalid', ...spec },
    ...(status ? { status } : {}),
  };
}

export function policyObject(name: string, spec: Partial<PolicyObject['spec']> = {}): PolicyObject {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { namespace: 'ns', name, uid: `uid-${name}`, generation: 1, resourceVersion: '30' },
    spec,
  };
}

/** How an attempt's Job stands: running (no condition), or finished at `at`. */
export type JobEnd =
  { running: true } | { complete: number } | { failed: number; reason?: string; message?: string };

/**
 * Attempt `attempt` of run `run` (benchmark-target) in `round` of `owner`, on provider p, created
 * at `created`, as the operator names and labels it.
 */
export function attemptJob(
  owner: SuiteObject,
  options: {
    run?: string;
    round?: number;
    attempt?: number;
    created: number;
    end: JobEnd;
    provider?: string;
  },
): JobObject {
  const { run = 'b-t', round = 1, attempt = 1, created, end, provider = 'p' } = options;
  const suite = owner.metadata.name!;
  const name = `${suite}-${round}-${run}${attempt > 1 ? `-a${attempt}` : ''}`;
  const condition =
    'complete' in end
      ? { type: 'Complete', status: 'True', lastTransitionTime: iso(end.complete) }
      : 'failed' in end
        ? {
            type: 'Failed',
            status: 'True',
            reason: end.reason ?? 'BackoffLimitExceeded',
            message: end.message,
            lastTransitionTime: iso(end.failed),
          }
        : undefined;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      namespace: 'ns',
      name,
      uid: `uid-${name}`,
      resourceVersion: '40',
      creationTimestamp: iso(created),
      ownerReferences: [{ uid: owner.metadata.uid! }],
      labels: {
        [LABELS.suite]: suite,
        [LABELS.round]: String(round),
        [LABELS.run]: run,
        [LABELS.attempt]: String(attempt),
        [LABELS.provider]: provider,
      },
      annotations: { 'bench.dev/model': 'm' },
    },
    status: {
      startTime: iso(created),
      ...(condition ? { conditions: [condition] } : {}),
      ...('complete' in end ? { completionTime: iso(end.complete), succeeded: 1 } : {}),
    },
  } as unknown as JobObject;
}

/** A pod of `job`, Pending since `created`, or Succeeded with the runner's termination message. */
export function attemptPod(
  job: JobObject,
  options: { created: number; pending: true } | { created: number; terminationMessage: string },
): PodObject {
  const finished = 'terminationMessage' in options;
  return {
    metadata: {
      namespace: 'ns',
      name: `${job.metadata.name}-pod`,
      uid: `uid-${job.metadata.name}-pod`,
      creationTimestamp: iso(options.created),
      ownerReferences: [{ uid: job.metadata.uid!, controller: true }],
      labels: job.metadata.labels,
    },
    status: finished
      ? {
          phase: 'Succeeded',
          containerStatuses: [
            { name: 'runner', state: { terminated: { exitCode: 0, message: options.terminationMessage } } },
          ],
        }
      : { phase: 'Pending' },
  } as unknown as PodObject;
}
