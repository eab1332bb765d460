import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, isGone } from '../client/errors.ts';
import { objectKey, type KubeObject } from '../client/resource.ts';
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

export interface InformerOptions<T extends KubeObject> {
  listerWatcher: ListerWatcher<T>;
  /** Used in logs, e.g. "batch/v1/jobs". */
  name: string;
  logger: Logger;
  indexers?: Record<string, IndexFunc<T>>;
  pageSize?: number;
  /** Silence (no event, no bookmark) after which a watch is abandoned. Default 2 min: bookmarks come about every minute. */
  stallTimeoutMs?: number;
  backoff?: Backoff;
}

/**
 * A shared informer: list + watch into a cache, calling handlers on every change. Reconnects on
 * any error with jittered backoff, relists on 410 Gone (events missed while disconnected become
 * adds, updates and final-state-unknown deletes), and abandons silently stalled watches.
 */
export class Informer<T extends KubeObject> {
  readonly store: Store<T>;
  readonly name: string;
  private readonly options: InformerOptions<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private resourceVersion = '';
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.options = options;
    this.name = options.name;
    this.store = new Store<T>(options.indexers);
    this.backoff = options.backoff ?? new Backoff();
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

  lastSyncResourceVersion(): string {
    return this.resourceVersion;
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
    this.running = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.running = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
        }
        await this.watch(signal);
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          this.logger.info({ resourceVersion: this.resourceVersion }, 'resource version too old, relisting');
          needList = true;
          continue;
        }
        const waitMs = this.backoff.next();
        this.logger.warn({ err: error, retryInMs: waitMs }, 'list/watch failed, retrying');
        await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let listVersion = '';
    do {
      const page = await this.options.listerWatcher.list({
        limit: this.options.pageSize ?? 500,
        ...(continueToken ? { continue: continueToken } : {}),
        signal,
      });
      items.push(...page.items);
      continueToken = page.metadata.continue || undefined;
      listVersion = page.metadata.resourceVersion ?? listVersion;
    } while (continueToken);

    const cached = new Map(this.store.keys().map((key) => [key, this.store.get(key) as T]));
    const diff = diffRelist(cached, items);
    for (const object of diff.added) this.store.upsert(object);
    for (const { current } of diff.updated) this.store.upsert(current);
    for (const object of diff.deleted) this.store.remove(objectKey(object.metadata));
    this.resourceVersion = listVersion;
    this.markSynced();
    for (const object of diff.added) this.emit((h) => h.onAdd?.(object));
    for (const { previous, current } of diff.updated) this.emit((h) => h.onUpdate?.(previous, current));
    for (const object of diff.deleted) this.emit((h) => h.onDelete?.(object, true));
    this.logger.debug({ items: items.length, resourceVersion: listVersion }, 'listed');
  }

  private async watch(signal: AbortSignal): Promise<void> {
    // Randomised like client-go's reflector (5–10 min), so watches of many informers do not expire together.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    // Aborted on every way out, so a watch abandoned for an ERROR event or a stall never lingers as an open connection.
    const connection = new AbortController();
    try {
      const response = await this.options.listerWatcher.watch({
        resourceVersion: this.resourceVersion,
        timeoutSeconds,
        signal: AbortSignal.any([signal, connection.signal]),
      });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        throw new ApiError(response.status, 'WATCH', this.name, text ? safeJson(text) : undefined);
      }
      await consumeWatch(response.body as ReadableStream<Uint8Array>, (event) => this.handleEvent(event), {
        stallTimeoutMs: this.options.stallTimeoutMs ?? 120_000,
      });
    } finally {
      connection.abort();
    }
  }

  private handleEvent(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number };
      throw new ApiError(status.code ?? 500, 'WATCH', this.name, event.object);
    }
    // A watch that delivers anything is healthy again; reset so the next failure starts small.
    this.backoff.reset();
    const object = event.object as unknown as T;
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
