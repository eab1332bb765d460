import { objectKey, type KubeObject } from '../client/resource.ts';

/** Maps an object to the index values it is found under (client-go's cache.IndexFunc). */
export type IndexFunc<T> = (object: T) => string[];

export const byNamespace: IndexFunc<KubeObject> = (o) => (o.metadata.namespace ? [o.metadata.namespace] : []);

export const byOwnerUid: IndexFunc<KubeObject> = (o) =>
  (o.metadata.ownerReferences ?? []).map((ref) => ref.uid);

/** Index by a label's value, e.g. byLabel('bench.dev/suite') to find a suite's Jobs. */
export function byLabel(label: string): IndexFunc<KubeObject> {
  return (o) => {
    const value = o.metadata.labels?.[label];
    return value === undefined ? [] : [value];
  };
}

/**
 * client-go's ThreadSafeStore: objects by `namespace/name` plus secondary indexes kept in step on
 * every write. JavaScript runs handlers one at a time, so "thread safe" reduces to never handing out
 * a half-updated index; readers must treat returned objects as read-only (they are the cache).
 */
export class Store<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers: Map<string, IndexFunc<T>>;
  // Index value -> the objects under it by key: a lookup returns them without a second map read each.
  private readonly indices = new Map<string, Map<string, Map<string, T>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.indexers = new Map(Object.entries(indexers));
    for (const name of this.indexers.keys()) this.indices.set(name, new Map());
  }

  /** Adds an index after the fact (a second controller sharing the informer may need one), built from the current items. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, fn);
    const index = new Map<string, Map<string, T>>();
    this.indices.set(name, index);
    for (const [key, object] of this.items) {
      for (const value of fn(object)) {
        let objects = index.get(value);
        if (!objects) index.set(value, (objects = new Map<string, T>()));
        objects.set(key, object);
      }
    }
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(objectKey({ namespace, name }));
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  size(): number {
    return this.items.size;
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`no index named ${indexName}`);
    const objects = index.get(value);
    return objects ? [...objects.values()] : [];
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(object: T): T | undefined {
    const key = objectKey(object.metadata);
    const previous = this.items.get(key);
    if (previous) this.unindex(key, previous);
    this.items.set(key, object);
    this.index(key, object);
    return previous;
  }

  remove(key: string): T | undefined {
    const previous = this.items.get(key);
    if (!previous) return undefined;
    this.unindex(key, previous);
    this.items.delete(key);
    return previous;
  }

  private index(key: string, object: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<string, Map<string, T>>;
      for (const value of fn(object)) {
        let objects = index.get(value);
        if (!objects) index.set(value, (objects = new Map<string, T>()));
        objects.set(key, object);
      }
    }
  }

  private unindex(key: string, object: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<string, Map<string, T>>;
      for (const value of fn(object)) {
        const objects = index.get(value);
        objects?.delete(key);
        if (objects?.size === 0) index.delete(value);
      }
    }
  }
}
