import type { KubeObject } from '../client/resource.ts';
import type { Request } from './request.ts';

/** The kind an owner reference must name to be followed, e.g. { group: 'bench.dev', kind: 'BenchmarkSuite' }. */
export interface OwnerKind {
  group: string;
  kind: string;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function requestForObject(object: KubeObject): Request[] {
  const { namespace, name } = object.metadata;
  if (!name) return [];
  return [namespace ? { namespace, name } : { name }];
}

/**
 * controller-runtime's EnqueueRequestForOwner with OnlyControllerOwner: the object's controller
 * owner of the given kind, in the object's namespace (owner references cannot cross namespaces).
 */
export function requestForControllerOwner(object: KubeObject, owner: OwnerKind): Request[] {
  const ref = (object.metadata.ownerReferences ?? []).find(
    (r) => r.controller === true && r.kind === owner.kind && groupOf(r.apiVersion) === owner.group,
  );
  if (!ref) return [];
  const namespace = object.metadata.namespace;
  return [namespace ? { namespace, name: ref.name } : { name: ref.name }];
}

/** Whether an update event should reach the work queue (controller-runtime's predicate.Funcs.Update). */
export type UpdatePredicate<T extends KubeObject> = (previous: T, current: T) => boolean;

/**
 * controller-runtime's GenerationChangedPredicate: passes spec changes and drops status-only
 * updates, for watchers that read only the object's spec. Objects without a generation pass.
 */
export function generationChanged(previous: KubeObject, current: KubeObject): boolean {
  const before = previous.metadata.generation;
  const after = current.metadata.generation;
  return before === undefined || after === undefined || before !== after;
}
