// The chaos test's own record of what happened in the cluster, from a list and watch of its own
// (not the operator's informers, which are under test). Every change is kept in the order the API
// server serialised it (resourceVersion), so invariants can be checked at each instant afterwards.
//
// resourceVersions are opaque to clients in general; on a single etcd they are its revision, one
// counter for every object, and the invariants compare them across kinds (a Job write against the
// Lease's terms). The test relies on that, as Kubernetes' own etcd-based tests do.
import { setTimeout as delay } from 'node:timers/promises';
import { isGone } from '../../operator/src/runtime/client/errors.ts';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../../operator/src/runtime/client/resource.ts';
import { consumeWatch, type WatchEvent } from '../../operator/src/runtime/informer/watch-stream.ts';

export interface Observed<T extends KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
  /** The object's resourceVersion: when the write happened (for DELETED, the deletion's). */
  rv: number;
  /** When the test saw it (ms since the epoch). */
  at: number;
  /**
   * Seen by a relist after the watch broke (410 Gone): the write happened somewhere after `since`
   * (the last resourceVersion the watch had reached) and at or before `rv`, not necessarily at `rv`.
   */
  since?: number;
}

export interface HistoryOptions {
  type: ResourceType;
  namespace: string;
  labelSelector?: string;
}

const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const rvOf = (o: KubeObject) => Number(o.metadata.resourceVersion);

/**
 * A list and watch that never misses a write it could have seen: it resumes from the last
 * resourceVersion after a broken connection (an API server restart), relists after 410 Gone and
 * records what changed meanwhile, marked as seen late.
 */
export class History<T extends KubeObject> {
  readonly events: Array<Observed<T>> = [];
  /** Relists after 410 Gone. */
  relists = 0;
  private readonly current = new Map<string, T>();
  private readonly client: KubeClient;
  private readonly options: HistoryOptions;
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private loop: Promise<void> | undefined;
  private readonly listeners: Array<(event: Observed<T>) => void> = [];

  constructor(client: KubeClient, options: HistoryOptions) {
    this.client = client;
    this.options = options;
  }

  onEvent(listener: (event: Observed<T>) => void): void {
    this.listeners.push(listener);
  }

  /** Lists, then watches in the background; resolves once the first list is recorded. */
  async start(): Promise<void> {
    await this.relist(true);
    this.loop = this.watchLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  objects(): T[] {
    return [...this.current.values()];
  }

  private async watchLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const response = await this.client.watch(this.options.type, {
          namespace: this.options.namespace,
          labelSelector: this.options.labelSelector,
          resourceVersion: this.resourceVersion,
          timeoutSeconds: 300,
          signal,
        });
        let gone = false;
        await consumeWatch(
          response.body as ReadableStream<Uint8Array>,
          (event) => {
            if (event.type === 'ERROR') gone ||= (event.object as { code?: number }).code === 410;
            else this.apply(event);
          },
          { stallTimeoutMs: 90_000 },
        );
        if (gone) await this.relist(false);
      } catch (error) {
        if (signal.aborted) return;
        if (isGone(error)) await this.relist(false).catch(() => undefined);
        // The API server is restarting: try again shortly, from where the watch was.
        else await delay(200, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private apply(event: WatchEvent): void {
    const object = event.object as unknown as T;
    const rv = rvOf(object);
    this.resourceVersion = object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    if (event.type === 'DELETED') this.current.delete(key(object));
    else this.current.set(key(object), object);
    this.record({ type: event.type as Observed<T>['type'], object, rv, at: Date.now() });
  }

  private async relist(initial: boolean): Promise<void> {
    for (;;) {
      try {
        const since = Number(this.resourceVersion);
        const listed = new Map<string, T>();
        let continueToken: string | undefined;
        let listRv = '';
        do {
          const page = await this.client.list<T>(this.options.type, {
            namespace: this.options.namespace,
            labelSelector: this.options.labelSelector,
            limit: 500,
            continue: continueToken,
            signal: this.abort.signal,
          });
          for (const item of page.items) listed.set(key(item), item);
          continueToken = page.metadata?.continue || undefined;
          listRv ||= page.metadata?.resourceVersion ?? '';
        } while (continueToken);
        if (!initial) this.relists++;
        const at = Date.now();
        const late = initial ? {} : { since };
        for (const [name, object] of listed) {
          const before = this.current.get(name);
          if (before?.metadata.resourceVersion === object.metadata.resourceVersion) continue;
          this.record({ type: before ? 'MODIFIED' : 'ADDED', object, rv: rvOf(object), at, ...late });
        }
        for (const [name, object] of this.current) {
          if (!listed.has(name)) this.record({ type: 'DELETED', object, rv: Number(listRv), at, ...late });
        }
        this.current.clear();
        for (const [name, object] of listed) this.current.set(name, object);
        this.resourceVersion = listRv;
        return;
      } catch (error) {
        // The first list fails the test; later ones wait for the API server to come back.
        if (initial) throw error;
        if (this.abort.signal.aborted) return;
        await delay(200);
      }
    }
  }

  private record(event: Observed<T>): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }
}
