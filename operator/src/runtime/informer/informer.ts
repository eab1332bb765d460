import type { Logger } from 'pino';
import { ApiError, isGone } from '../client/errors.ts';
import { objectKey, type KubeObject } from '../client/resource.ts';
import { realClock, type Clock } from '../time/clock.ts';
import { Backoff } from './backoff.ts';
import type { ListerWatcher } from './lister-watcher.ts';
import { diffRelist } from './relist-diff.ts';
import { Store, type IndexFunc } from './store.ts';
import { consumeWatch, type WatchEvent } from './watch-stream.ts';

export interface EventHandler<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, current: T): void;
  /** `finalStateUnknown`: the object vanished between a watch break and a relist; `object` is its last cached state. */
  onDelete?(object: T, finalStateUnknown: boolean): void;
}

/** One list+watch feeding the cache; several when watching a set of namespaces (one each). */
export interface InformerSource<T extends KubeObject> {
  listerWatcher: ListerWatcher<T>;
  /** The namespace this source covers; absent for all namespaces or cluster-scoped resources. */
  namespace?: string;
}

interface Reflector<T extends KubeObject> extends InformerSource<T> {
  resourceVersion: string;
  listed: boolean;
  backoff: Backoff;
}

export interface InformerOptions<T extends KubeObject> {
  sources: InformerSource<T>[];
  /** Used in logs, e.g. "batch/v1/jobs". */
  name: string;
  logger: Logger;
  indexers?: Record<string, IndexFunc<T>>;
  pageSize?: number;
  /** Silence (no event, no bookmark) after which a watch is abandoned. Default 2 min: bookmarks come about every minute. */
  stallTimeoutMs?: number;
  /** One per source, paces reconnects after failures, relists after 410 Gone and watches that closed too quickly. */
  newBackoff?: () => Backoff;
  /** Times backoff waits, watch durations and the stall deadline; tests inject a FakeClock. */
  clock?: Clock;
  /** Applied to every object before it is cached, as client-go's SetTransform. */
  transform?: (object: T) => T;
}

/** Client-side apply's copy of the applied object (kubectl apply, Argo CD): as large as the spec again. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what only apply reads: metadata.managedFields, as controller-runtime's
 * cache.TransformStripManagedFields (a Pod's, from five writers, is often larger than the rest of
 * it), and client-side apply's last-applied annotation (a suite applied with kubectl or Argo CD
 * carries its whole spec twice). No reconciler reads them, so the cache and the collector carry a
 * fraction. Writes are unaffected: the operator writes status and merge patches, and the API server
 * keeps the stored managedFields and annotations when a write has none.
 */
export function stripApplyBookkeeping<T extends KubeObject>(object: T): T {
  if (object.metadata?.managedFields !== undefined) delete object.metadata.managedFields;
  const annotations = object.metadata?.annotations;
  if (annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) delete annotations[LAST_APPLIED_ANNOTATION];
  return object;
}

/**
 * A shared informer: list + watch into a cache, calling handlers on every change. Reconnects on
 * any error with jittered backoff, relists on 410 Gone (events missed while disconnected become
 * adds, updates and final-state-unknown deletes), and abandons silently stalled watches. Relists
 * and reconnects after a watch that closed at once with nothing go through the same backoff, so a
 * misbehaving server is not hammered; a watch the server ends after serving events is renewed at once.
 */
export class Informer<T extends KubeObject> {
  readonly store: Store<T>;
  readonly name: string;
  private readonly options: InformerOptions<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly reflectors: Reflector<T>[];
  private readonly logger: Logger;
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(options: InformerOptions<T>) {
    this.options = options;
    this.name = options.name;
    this.store = new Store<T>(options.indexers);
    this.clock = options.clock ?? realClock;
    if (options.sources.length === 0) throw new Error(`informer ${options.name} has no source`);
    this.reflectors = options.sources.map((source) => ({
      ...source,
      resourceVersion: '',
      listed: false,
      backoff: options.newBackoff?.() ?? new Backoff({ clock: this.clock }),
    }));
    this.logger = options.logger.child({ informer: options.name });
  }

  addEventHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    // A handler added after sync sees the cache as adds, as client-go does for late registrations.
    if (this.synced) for (const object of this.store.list()) this.call(() => handler.onAdd?.(object));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion each source last saw, by namespace ('' for all). */
  lastSyncResourceVersions(): Record<string, string> {
    return Object.fromEntries(this.reflectors.map((r) => [r.namespace ?? '', r.resourceVersion]));
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.running = Promise.all(this.reflectors.map((reflector) => this.run(reflector, signal))).then(
      () => undefined,
    );
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.running = undefined;
  }

  private async run(reflector: Reflector<T>, signal: AbortSignal): Promise<void> {
    let needList = true;
    let waitMs = 0;
    const logger = reflector.namespace ? this.logger.child({ scope: reflector.namespace }) : this.logger;
    while (!signal.aborted) {
      if (waitMs > 0) await delay(this.clock, waitMs, signal);
      waitMs = 0;
      if (signal.aborted) break;
      try {
        if (needList) {
          await this.listAndReplace(reflector, signal);
          needList = false;
        }
        const watch = await this.watch(reflector, signal);
        if (signal.aborted) break;
        if (watch.events === 0 && watch.durationMs < SHORT_WATCH_MS) {
          // client-go's "very short watch": a server that closes every watch at once would
          // otherwise be asked again in a tight loop.
          waitMs = reflector.backoff.next();
          logger.warn(
            { durationMs: watch.durationMs, retryInMs: waitMs },
            'watch closed too quickly, retrying',
          );
        } else {
          // Events, or an uneventful watch that lasted: the server is serving watches normally, so
          // the watch is renewed at once and the next failure starts small.
          reflector.backoff.reset();
        }
      } catch (error) {
        if (signal.aborted) break;
        waitMs = reflector.backoff.next();
        if (isGone(error)) {
          // Also paced: a server that answers every watch with 410 would otherwise be relisted
          // (the most expensive request an informer makes) in a tight loop.
          logger.info(
            { resourceVersion: reflector.resourceVersion, relistInMs: waitMs },
            'resource version too old, relisting',
          );
          needList = true;
          continue;
        }
        logger.warn({ err: error, retryInMs: waitMs }, 'list/watch failed, retrying');
      }
    }
  }

  private async listAndReplace(reflector: Reflector<T>, signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let listVersion = '';
    do {
      const page = await reflector.listerWatcher.list({
        limit: this.options.pageSize ?? 500,
        ...(continueToken ? { continue: continueToken } : {}),
        signal,
      });
      const transform = this.options.transform;
      // An empty PartialObjectMetadataList comes with `items: null`.
      const pageItems = page.items ?? [];
      items.push(...(transform ? pageItems.map(transform) : pageItems));
      continueToken = page.metadata.continue || undefined;
      listVersion = page.metadata.resourceVersion ?? listVersion;
    } while (continueToken);

    const inScope = this.store
      .list()
      .filter(
        (object) => reflector.namespace === undefined || object.metadata.namespace === reflector.namespace,
      );
    const diff = diffRelist(new Map(inScope.map((object) => [objectKey(object.metadata), object])), items);
    for (const object of diff.added) this.store.upsert(object);
    for (const { current } of diff.updated) this.store.upsert(current);
    for (const object of diff.deleted) this.store.remove(objectKey(object.metadata));
    reflector.resourceVersion = listVersion;
    reflector.listed = true;
    if (this.reflectors.every((r) => r.listed)) this.markSynced();
    for (const object of diff.added) this.emit((h) => h.onAdd?.(object));
    for (const { previous, current } of diff.updated) this.emit((h) => h.onUpdate?.(previous, current));
    for (const object of diff.deleted) this.emit((h) => h.onDelete?.(object, true));
    this.logger.debug({ items: items.length, resourceVersion: listVersion }, 'listed');
  }

  /** Follows one watch until the server ends it; how many events it delivered and for how long. */
  private async watch(
    reflector: Reflector<T>,
    signal: AbortSignal,
  ): Promise<{ events: number; durationMs: number }> {
    // Randomised like client-go's reflector (5–10 min), so watches of many informers do not expire together.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    // Aborted on every way out, so a watch abandoned for an ERROR event or a stall never lingers as an open connection.
    const connection = new AbortController();
    const startedAt = this.clock.now();
    let events = 0;
    try {
      const response = await reflector.listerWatcher.watch({
        resourceVersion: reflector.resourceVersion,
        timeoutSeconds,
        signal: AbortSignal.any([signal, connection.signal]),
      });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        throw new ApiError(response.status, 'WATCH', this.name, text ? safeJson(text) : undefined);
      }
      await consumeWatch(
        response.body as ReadableStream<Uint8Array>,
        (event) => {
          this.handleEvent(reflector, event);
          events++;
        },
        { stallTimeoutMs: this.options.stallTimeoutMs ?? 120_000, clock: this.clock },
      );
      return { events, durationMs: this.clock.now() - startedAt };
    } finally {
      connection.abort();
    }
  }

  private handleEvent(reflector: Reflector<T>, event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number };
      throw new ApiError(status.code ?? 500, 'WATCH', this.name, event.object);
    }
    // A watch that delivers anything is healthy again; reset so the next failure starts small.
    reflector.backoff.reset();
    const object = (
      this.options.transform ? this.options.transform(event.object as unknown as T) : event.object
    ) as T;
    const version = object.metadata?.resourceVersion;
    if (version) reflector.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const key = objectKey(object.metadata);
    if (event.type === 'DELETED') {
      this.store.remove(key);
      this.emit((h) => h.onDelete?.(object, false));
      return;
    }
    const previous = this.store.upsert(object);
    if (previous) this.emit((h) => h.onUpdate?.(previous, object));
    else this.emit((h) => h.onAdd?.(object));
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private emit(call: (handler: EventHandler<T>) => void): void {
    for (const handler of this.handlers) this.call(() => call(handler));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error({ err: error }, 'event handler threw');
    }
  }
}

/**
 * A watch that ends sooner than this without a single event counts as a failure, as client-go's
 * reflector treats a watch closed within a second with no items.
 */
const SHORT_WATCH_MS = 1_000;

/** Waits `ms` on the clock, or less if the signal aborts; never rejects. */
function delay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
