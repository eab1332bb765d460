import type { Response } from 'undici';
import type { KubeClient } from '../client/kube-client.ts';
import type { KubeObject, ObjectList, ResourceType } from '../client/resource.ts';

/** Where an informer lists and watches; the seam between the reflector loop and the REST client. */
export interface ListerWatcher<T extends KubeObject> {
  list(options: { limit: number; continue?: string; signal: AbortSignal }): Promise<ObjectList<T>>;
  watch(options: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal }): Promise<Response>;
}

export interface ResourceSelection {
  type: ResourceType;
  /** One namespace, or all namespaces when absent. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects as PartialObjectMetadata: metadata only, for readers that need no more. */
  metadataOnly?: boolean;
}

export function listerWatcherFor<T extends KubeObject>(
  client: KubeClient,
  selection: ResourceSelection,
): ListerWatcher<T> {
  const scope = {
    namespace: selection.namespace,
    labelSelector: selection.labelSelector,
    fieldSelector: selection.fieldSelector,
    ...(selection.metadataOnly ? { metadataOnly: true } : {}),
  };
  return {
    list: (options) => client.list<T>(selection.type, { ...scope, ...options }),
    watch: (options) => client.watch(selection.type, { ...scope, ...options }),
  };
}
