import type { Response } from 'undici';
import { resourcePath, type KubeObject, type ObjectList, type ResourceType } from './resource.ts';
import type { RestClient } from './rest-client.ts';

/**
 * Asks for objects as PartialObjectMetadata (their apiVersion, kind and metadata only), as
 * client-go's metadata informers do: the server leaves the rest out, so a large object costs the
 * reader nothing to transfer and decode. Falls back to whole objects where the server cannot.
 */
const METADATA_ONLY = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
};

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  /** Metadata only (PartialObjectMetadata). */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  /** Metadata only (PartialObjectMetadata). */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

/** Every verb but watch and list: the caller's abort (a reconcile's signal), threaded to fetch. */
export interface RequestOptions {
  signal?: AbortSignal;
}

export interface PatchOptions extends RequestOptions {
  subresource?: string;
}

export interface DeleteOptions extends RequestOptions {
  /** Delete only this object (uid) or this version of it; 409 Conflict otherwise. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

function nameOf(object: KubeObject): string {
  const name = object.metadata.name;
  if (!name) throw new Error(`object of kind ${object.kind ?? '?'} has no metadata.name`);
  return name;
}

/**
 * Typed verbs over RestClient for any resource; every write carries the operator's field manager
 * and takes the caller's abort signal, so a reconcile's writes stop when it is cancelled.
 */
export class KubeClient {
  readonly rest: RestClient;
  readonly fieldManager: string;

  constructor(rest: RestClient, fieldManager = 'bench-operator') {
    this.rest = rest;
    this.fieldManager = fieldManager;
  }

  get<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: RequestOptions = {},
  ): Promise<T> {
    return this.rest.json<T>({
      method: 'GET',
      path: resourcePath(type, { namespace, name }),
      signal: options.signal,
    });
  }

  list<T extends KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    return this.rest.json<ObjectList<T>>({
      method: 'GET',
      path: resourcePath(type, { namespace: options.namespace }),
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit,
        continue: options.continue,
        resourceVersion: options.resourceVersion,
      },
      ...(options.metadataOnly ? { accept: METADATA_ONLY.list } : {}),
      signal: options.signal,
    });
  }

  /** Opens a watch with bookmarks; the response body is a stream of JSON lines. */
  watch(type: ResourceType, options: WatchOptions = {}): Promise<Response> {
    return this.rest.raw({
      method: 'GET',
      path: resourcePath(type, { namespace: options.namespace }),
      query: {
        watch: true,
        allowWatchBookmarks: true,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        resourceVersion: options.resourceVersion,
        timeoutSeconds: options.timeoutSeconds,
      },
      ...(options.metadataOnly ? { accept: METADATA_ONLY.watch } : {}),
      signal: options.signal,
      timeoutMs: 0,
    });
  }

  create<T extends KubeObject>(type: ResourceType, object: T, options: RequestOptions = {}): Promise<T> {
    return this.rest.json<T>({
      method: 'POST',
      path: resourcePath(type, { namespace: object.metadata.namespace }),
      query: { fieldManager: this.fieldManager },
      body: object,
      signal: options.signal,
    });
  }

  update<T extends KubeObject>(type: ResourceType, object: T, options: RequestOptions = {}): Promise<T> {
    return this.rest.json<T>({
      method: 'PUT',
      path: resourcePath(type, { namespace: object.metadata.namespace, name: nameOf(object) }),
      query: { fieldManager: this.fieldManager },
      body: object,
      signal: options.signal,
    });
  }

  /** PUT on the status subresource; metadata.resourceVersion makes it an optimistic update. */
  updateStatus<T extends KubeObject>(
    type: ResourceType,
    object: T,
    options: RequestOptions = {},
  ): Promise<T> {
    return this.rest.json<T>({
      method: 'PUT',
      path: resourcePath(type, {
        namespace: object.metadata.namespace,
        name: nameOf(object),
        subresource: 'status',
      }),
      query: { fieldManager: this.fieldManager },
      body: object,
      signal: options.signal,
    });
  }

  patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    patchType: PatchType,
    options: PatchOptions = {},
  ): Promise<T> {
    return this.rest.json<T>({
      method: 'PATCH',
      path: resourcePath(type, { namespace, name, subresource: options.subresource }),
      query: { fieldManager: this.fieldManager, ...(patchType === 'apply' ? { force: true } : {}) },
      body: patch,
      contentType: patchContentTypes[patchType],
      signal: options.signal,
    });
  }

  /**
   * Server-side apply with force, the controller-runtime convention for controllers: the operator
   * owns the fields it sets. The body is JSON, which is valid YAML for application/apply-patch+yaml.
   */
  apply<T extends KubeObject>(type: ResourceType, object: T, options: RequestOptions = {}): Promise<T> {
    return this.patch<T>(type, object.metadata.namespace, nameOf(object), object, 'apply', options);
  }

  applyStatus<T extends KubeObject>(type: ResourceType, object: T, options: RequestOptions = {}): Promise<T> {
    return this.patch<T>(type, object.metadata.namespace, nameOf(object), object, 'apply', {
      ...options,
      subresource: 'status',
    });
  }

  patchStatus<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    patchType: Exclude<PatchType, 'apply'> = 'merge',
    options: RequestOptions = {},
  ): Promise<T> {
    return this.patch<T>(type, namespace, name, patch, patchType, { ...options, subresource: 'status' });
  }

  /** Deletes with propagationPolicy Background, so dependents are collected by the garbage collector. */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<void> {
    const { preconditions, signal } = options;
    await this.rest.json<unknown>({
      method: 'DELETE',
      path: resourcePath(type, { namespace, name }),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: 'Background',
        ...(preconditions ? { preconditions } : {}),
      },
      signal,
    });
  }
}
