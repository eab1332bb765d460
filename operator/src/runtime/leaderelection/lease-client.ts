import type { Logger } from 'pino';
import { isNotFound } from '../client/errors.ts';
import type { KubeClient } from '../client/kube-client.ts';
import { resourcePath, type KubeObject, type ResourceType } from '../client/resource.ts';
import { Informer } from '../informer/informer.ts';
import { listerWatcherFor } from '../informer/lister-watcher.ts';
import type { LeaseSpec } from './lease-record.ts';

export const leaseType: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
};

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaseEvents {
  observed(lease: Lease): void;
  deleted(lease: Lease): void;
}

/**
 * The elector's only access to its Lease (client-go's resourcelock.Interface), so unit tests can
 * put an in-memory Lease with controlled latency behind it. Every request takes the signal of the
 * attempt it belongs to: one deadline covers the attempt's GET and PUT together.
 */
export interface LeaseClient {
  /** The Lease, or undefined when it does not exist. */
  get(signal: AbortSignal): Promise<Lease | undefined>;
  /** Fails with AlreadyExists when another candidate created it first. */
  create(spec: LeaseSpec, signal: AbortSignal): Promise<Lease>;
  /** An optimistic update: fails with Conflict when `lease`'s resourceVersion is no longer current. */
  update(lease: Lease, signal: AbortSignal): Promise<Lease>;
  /** Reports every version of the Lease until stopped; used by standbys only. */
  watch(events: LeaseEvents): { stop(): Promise<void> };
}

export function kubeLeaseClient(
  client: KubeClient,
  namespace: string,
  name: string,
  logger: Logger,
): LeaseClient {
  const rest = client.rest;
  const collection = resourcePath(leaseType, { namespace });
  const object = resourcePath(leaseType, { namespace, name });
  // timeoutMs 0: the caller's signal is the deadline, and a second, per-request one would let an
  // attempt outlive it.
  return {
    async get(signal) {
      try {
        return await rest.json<Lease>({ method: 'GET', path: object, signal, timeoutMs: 0 });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    create: (spec, signal) =>
      rest.json<Lease>({
        method: 'POST',
        path: collection,
        query: { fieldManager: client.fieldManager },
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
        signal,
        timeoutMs: 0,
      }),
    update: (lease, signal) =>
      rest.json<Lease>({
        method: 'PUT',
        path: object,
        query: { fieldManager: client.fieldManager },
        body: lease,
        signal,
        timeoutMs: 0,
      }),
    watch(events) {
      // An informer over this one Lease: reconnects with backoff and relists after 410, as every informer.
      const informer = new Informer<Lease>({
        name: `${leaseType.group}/${leaseType.version}/${leaseType.plural}/${name}`,
        logger,
        sources: [
          {
            namespace,
            listerWatcher: listerWatcherFor<Lease>(client, {
              type: leaseType,
              namespace,
              fieldSelector: `metadata.name=${name}`,
            }),
          },
        ],
      });
      informer.addEventHandler({
        onAdd: (lease) => events.observed(lease),
        onUpdate: (_previous, lease) => events.observed(lease),
        onDelete: (lease) => events.deleted(lease),
      });
      informer.start();
      return { stop: () => informer.stop() };
    },
  };
}
