/** A REST resource: enough to build its URLs. `kind` names its objects (owner references, events). */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  /** Server-side apply bookkeeping; dropped from cached objects (informer stripApplyBookkeeping). */
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface ObjectList<T extends KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The collection or object URL path of a resource, as client-go's REST client builds it. */
export function resourcePath(
  type: ResourceType,
  location: { namespace?: string; name?: string; subresource?: string } = {},
): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const namespace =
    type.namespaced && location.namespace ? `/namespaces/${encodeURIComponent(location.namespace)}` : '';
  const name = location.name ? `/${encodeURIComponent(location.name)}` : '';
  const subresource = location.name && location.subresource ? `/${location.subresource}` : '';
  return `${base}${namespace}/${type.plural}${name}${subresource}`;
}

/** The cache and work queue key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(meta: { namespace?: string; name?: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name ?? ''}` : (meta.name ?? '');
}

export function splitObjectKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
