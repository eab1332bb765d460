import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { realClock, type Clock } from '../time/clock.ts';

/** What a queue reports; names and meanings follow client-go's workqueue.MetricsProvider. */
export interface QueueMetrics<T> {
  add(item: T): void;
  get(item: T): void;
  done(item: T): void;
  drop(item: T): void;
  retry(): void;
}

export const noopQueueMetrics: QueueMetrics<unknown> = {
  add() {},
  get() {},
  done() {},
  drop() {},
  retry() {},
};

// client-go's buckets: prometheus.ExponentialBuckets(10e-9, 10, 12), 10 ns to 1000 s.
const durationBuckets = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);
const labelNames = ['name', 'controller'] as const;

interface Families {
  depth: Gauge<'name' | 'controller'>;
  adds: Counter<'name' | 'controller'>;
  queueDuration: Histogram<'name' | 'controller'>;
  workDuration: Histogram<'name' | 'controller'>;
  unfinished: Gauge<'name' | 'controller'>;
  longest: Gauge<'name' | 'controller'>;
  retries: Counter<'name' | 'controller'>;
  inFlight: Set<PromQueueMetrics<unknown>>;
}

const familiesByRegistry = new WeakMap<Registry, Families>();

function families(registry: Registry): Families {
  const existing = familiesByRegistry.get(registry);
  if (existing) return existing;
  const inFlight = new Set<PromQueueMetrics<unknown>>();
  const registers = [registry];
  const created: Families = {
    inFlight,
    depth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames, registers }),
    adds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames,
      registers,
    }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames,
      buckets: durationBuckets,
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames,
      buckets: durationBuckets,
      registers,
    }),
    // Computed at scrape time instead of client-go's 500 ms ticker: same values, no timer.
    unfinished: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
      labelNames,
      registers,
      collect() {
        for (const queue of inFlight) this.set(queue.labels, queue.unfinishedSeconds());
      },
    }),
    longest: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames,
      registers,
      collect() {
        for (const queue of inFlight) this.set(queue.labels, queue.longestRunningSeconds());
      },
    }),
    retries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames,
      registers,
    }),
  };
  familiesByRegistry.set(registry, created);
  return created;
}

/** Prometheus metrics for one named queue; `controller` is the owning controller's name, as in controller-runtime. */
export class PromQueueMetrics<T> implements QueueMetrics<T> {
  readonly labels: { name: string; controller: string };
  private readonly families: Families;
  private readonly clock: Clock;
  private readonly addedAt = new Map<T, number>();
  private readonly startedAt = new Map<T, number>();

  constructor(registry: Registry, name: string, options: { controller?: string; clock?: Clock } = {}) {
    this.labels = { name, controller: options.controller ?? name };
    this.families = families(registry);
    this.clock = options.clock ?? realClock;
    this.families.inFlight.add(this);
    // Families are created lazily, so series appear at zero before the first add.
    this.families.depth.set(this.labels, 0);
    this.families.adds.inc(this.labels, 0);
    this.families.retries.inc(this.labels, 0);
  }

  add(item: T): void {
    this.families.adds.inc(this.labels);
    this.families.depth.inc(this.labels);
    if (!this.addedAt.has(item)) this.addedAt.set(item, this.clock.now());
  }

  get(item: T): void {
    this.families.depth.dec(this.labels);
    const now = this.clock.now();
    const added = this.addedAt.get(item);
    if (added !== undefined) {
      this.families.queueDuration.observe(this.labels, (now - added) / 1000);
      this.addedAt.delete(item);
    }
    this.startedAt.set(item, now);
  }

  done(item: T): void {
    const started = this.startedAt.get(item);
    if (started === undefined) return;
    this.families.workDuration.observe(this.labels, (this.clock.now() - started) / 1000);
    this.startedAt.delete(item);
  }

  drop(item: T): void {
    this.families.depth.dec(this.labels);
    this.addedAt.delete(item);
  }

  retry(): void {
    this.families.retries.inc(this.labels);
  }

  unfinishedSeconds(): number {
    const now = this.clock.now();
    let total = 0;
    for (const started of this.startedAt.values()) total += now - started;
    return total / 1000;
  }

  longestRunningSeconds(): number {
    const now = this.clock.now();
    let longest = 0;
    for (const started of this.startedAt.values()) longest = Math.max(longest, now - started);
    return longest / 1000;
  }
}
