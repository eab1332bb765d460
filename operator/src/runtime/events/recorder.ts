import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { isNotFound } from '../client/errors.ts';
import type { KubeClient } from '../client/kube-client.ts';
import type { KubeObject, ResourceType } from '../client/resource.ts';
import { realClock, type Clock } from '../time/clock.ts';
import type { WritePriority } from '../client/write-priority.ts';
import { microTime } from '../time/microtime.ts';
import { seriesKey, spamKey, truncateNote, type EventRecord, type EventReference } from './event.ts';
import { FairBuffer } from './fair-buffer.ts';
import { SeriesCache } from './series-cache.ts';
import { SpamFilter } from './spam-filter.ts';

export const eventType: ResourceType = {
  group: 'events.k8s.io',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
};

export interface EventRecorderOptions {
  client: KubeClient;
  /** The pod name (or hostname) of this replica. */
  reportingInstance: string;
  reportingController?: string;
  logger: Logger;
  clock?: Clock;
  /**
   * Events waiting to be written; beyond it events are dropped rather than slowing reconciles, those
   * of the namespace with the most waiting first. Default 1000.
   */
  bufferSize?: number;
  registry?: Registry;
  /** Events step aside while urgent writes are in flight (bounded by its maxDeferMs). */
  priority?: WritePriority;
}

/** The reference to put in `regarding` or `related` for an object from the cache. */
export function referenceTo(object: KubeObject): EventReference {
  const { name, namespace, uid, resourceVersion } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, name, namespace, uid, resourceVersion };
}

/** The recorder's key as a deferred writer. */
const EVENT_WRITER = 'event-recorder';

const droppedByRegistry = new WeakMap<Registry, Counter<'reason'>>();

function droppedCounter(registry: Registry): Counter<'reason'> {
  let counter = droppedByRegistry.get(registry);
  if (!counter) {
    counter = new Counter({
      name: 'event_recorder_dropped_total',
      help: 'Kubernetes Events not written, by reason (rate_limited: per-object spam filter; buffer_full: the buffer was full and the namespace had the most Events waiting; pushed_out: waiting, dropped to make room for a namespace with fewer; write_failed).',
      labelNames: ['reason'],
      registers: [registry],
    });
    droppedByRegistry.set(registry, counter);
  }
  return counter;
}

/**
 * An events.k8s.io/v1 recorder with client-go's aggregation: `emit` never blocks or throws (a
 * reconcile must not wait on, or fail because of, its audit trail); a single writer drains a
 * bounded buffer, turning repeats into a series on the existing Event. The buffer is shared fairly
 * by the Events' namespaces (those of the objects they regard): each namespace's Events are
 * written in order, namespaces take turns, and a namespace flooding the buffer loses its own
 * excess, never another namespace's Events.
 */
export class EventRecorder {
  private readonly options: EventRecorderOptions;
  private readonly clock: Clock;
  private readonly spam: SpamFilter;
  private readonly series: SeriesCache;
  private readonly buffer: FairBuffer<EventRecord>;
  private readonly dropped: Counter<'reason'> | undefined;
  private readonly idleWaiters: Array<() => void> = [];
  private writing = false;
  private nameSequence = 0;
  private closed = false;

  constructor(options: EventRecorderOptions) {
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.spam = new SpamFilter(this.clock);
    this.series = new SeriesCache(this.clock);
    this.buffer = new FairBuffer(options.bufferSize ?? 1000);
    this.dropped = options.registry ? droppedCounter(options.registry) : undefined;
  }

  emit(event: EventRecord): void {
    if (this.closed) return;
    if (!this.spam.allow(spamKey(event))) {
      this.drop('rate_limited', event);
      return;
    }
    const buffered = this.buffer.push(event.regarding.namespace ?? '', {
      ...event,
      note: truncateNote(event.note),
    });
    if (!buffered.accepted) {
      this.drop('buffer_full', event);
      return;
    }
    if (buffered.pushedOut) this.drop('pushed_out', buffered.pushedOut);
    if (!this.writing) void this.drain();
  }

  /** Resolves once every event emitted so far has been written (or failed). */
  flush(): Promise<void> {
    if (!this.writing && this.buffer.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting events and waits up to `timeoutMs` for the buffer to be written. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let event = this.buffer.shift(); event; event = this.buffer.shift()) {
        try {
          await this.stepAside();
          await this.write(event);
        } catch (error) {
          this.dropped?.inc({ reason: 'write_failed' });
          this.options.logger.warn({ err: error, reason: event.reason }, 'could not write event');
        }
      }
    } finally {
      this.writing = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async stepAside(): Promise<void> {
    const priority = this.options.priority;
    const deferMs = priority?.deferFor(EVENT_WRITER) ?? 0;
    if (deferMs > 0) await priority!.idle(deferMs);
  }

  private async write(event: EventRecord): Promise<void> {
    const key = seriesKey(event);
    const decision = this.series.observe(key);
    const now = new Date(this.clock.now());
    if (!decision.create) {
      try {
        await this.options.client.patch(
          eventType,
          decision.namespace,
          decision.eventName,
          { series: { count: decision.count, lastObservedTime: microTime(now) } },
          'merge',
        );
        return;
      } catch (error) {
        // The Event was garbage-collected (1 h TTL) or deleted: start a new series.
        if (!isNotFound(error)) throw error;
        this.series.forget(key);
      }
    }
    const namespace = event.regarding.namespace || 'default';
    const created = await this.options.client.create(eventType, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: this.eventName(event.regarding.name ?? 'unknown', now),
        namespace,
        ...(event.annotations ? { annotations: event.annotations } : {}),
      },
      eventTime: microTime(now),
      reportingController: this.options.reportingController ?? 'bench.dev/operator',
      reportingInstance: this.options.reportingInstance,
      action: event.action,
      reason: event.reason,
      note: event.note,
      type: event.type,
      regarding: event.regarding,
      ...(event.related ? { related: event.related } : {}),
    } as KubeObject);
    this.series.created(key, created.metadata.name ?? '', namespace);
  }

  // client-go names events <object>.<nanoseconds in hex>; a sequence keeps names unique within a
  // millisecond, and the object part is cut so the name stays within 253 characters.
  private eventName(objectName: string, now: Date): string {
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.nameSequence++ % 1_000_000);
    return `${objectName.slice(0, 230)}.${nanos.toString(16)}`;
  }

  private drop(reason: 'rate_limited' | 'buffer_full' | 'pushed_out', event: EventRecord): void {
    this.dropped?.inc({ reason });
    this.options.logger.debug(
      {
        reason: event.reason,
        namespace: event.regarding.namespace,
        regarding: event.regarding.name,
        dropped: reason,
      },
      'event dropped',
    );
  }
}
