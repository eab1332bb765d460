import type { KubeClient, RequestOptions } from '../client/kube-client.ts';
import type { KubeObject, ResourceType } from '../client/resource.ts';
import { semanticEqual } from '../../meta/semantic-equal.ts';
import type { StatusPacer } from './pacer.ts';

/**
 * Writes `desired` to the status subresource unless it already equals the current status, so a
 * converged object costs no write. The PUT carries the cached resourceVersion: if the object
 * changed since the cache saw it, the API server answers 409 and the reconcile retries on fresh
 * data instead of overwriting a status computed from stale input.
 * Returns the updated object, or undefined when nothing was written.
 */
export async function patchStatusIfChanged<T extends KubeObject & { status?: unknown }>(
  client: KubeClient,
  type: ResourceType,
  current: T,
  desired: NonNullable<T['status']>,
  options: RequestOptions = {},
): Promise<T | undefined> {
  if (semanticEqual(current.status, desired)) return undefined;
  return client.updateStatus<T>(type, { ...current, status: desired }, options);
}

/**
 * patchStatusIfChanged unless `pacer` holds the change back (the object keyed by namespace/name),
 * or `defer` asks it to step aside (WritePriority.deferFor). Returns how long the write is held
 * (0: written, or nothing to write): the caller requeues then.
 */
export async function patchStatusPaced<T extends KubeObject & { status?: unknown }>(
  client: KubeClient,
  type: ResourceType,
  current: T,
  desired: NonNullable<T['status']>,
  options: {
    pacer?: StatusPacer<NonNullable<T['status']>> | undefined;
    now: number;
    defer?: () => number;
    signal?: AbortSignal;
  },
): Promise<number> {
  const { pacer, now, signal } = options;
  const key = `${current.metadata.namespace}/${current.metadata.name}`;
  const holdMs = pacer?.holdFor(key, current.status ?? undefined, desired, now) ?? 0;
  if (holdMs > 0) return holdMs;
  // Only a write there is to make steps aside (an unchanged status must not be counted as deferred).
  const deferMs = options.defer && !semanticEqual(current.status, desired) ? options.defer() : 0;
  if (deferMs > 0) return deferMs;
  if (await patchStatusIfChanged(client, type, current, desired, { signal })) pacer?.wrote(key, now);
  return 0;
}
