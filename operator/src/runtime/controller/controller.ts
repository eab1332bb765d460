import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { KubeObject } from '../client/resource.ts';
import type { EventHandler, Informer } from '../informer/informer.ts';
import { realClock, type Clock } from '../time/clock.ts';
import { PromQueueMetrics } from '../workqueue/metrics.ts';
import type { RateLimiter } from '../workqueue/rate-limiters.ts';
import { RateLimitingQueue } from '../workqueue/rate-limiting-queue.ts';
import {
  requestForControllerOwner,
  requestForObject,
  type OwnerKind,
  type UpdatePredicate,
} from './handlers.ts';
import { controllerMetrics, type ControllerMetricFamilies, type ReconcileResultLabel } from './metrics.ts';
import { requestFromKey, requestKey, type Request, type Result } from './request.ts';

export interface ReconcileContext {
  logger: Logger;
  reconcileId: string;
  /**
   * Aborted when this replica must stop writing: shutdown's drain deadline passed, or leadership
   * was lost. Pass it to every write (KubeClient's `signal` option), so the write is cancelled.
   */
  signal: AbortSignal;
}

export type Reconciler = (request: Request, context: ReconcileContext) => Promise<Result | void>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  logger: Logger;
  /** Concurrent reconciles (controller-runtime's MaxConcurrentReconciles). Default 1. */
  workers?: number;
  registry?: Registry;
  clock?: Clock;
  rateLimiter?: RateLimiter<string>;
}

/** How a watch turns object events into work, as controller-runtime's predicates and the Job controller's batching do. */
export interface WatchOptions<T extends KubeObject> {
  /** Filters add events (predicate.Funcs.Create); all pass when absent. */
  creates?: (object: T) => boolean;
  /** Filters update events (predicate.Funcs.Update), e.g. generationChanged when only the spec matters. */
  updates?: UpdatePredicate<T>;
  /** Filters delete events (predicate.Funcs.Delete); all pass when absent. */
  deletes?: (object: T) => boolean;
  /**
   * Delays the reconcile this long after an event, so a burst of events for one key (a suite's
   * Jobs and Pods changing together) becomes one reconcile and one status write, as
   * kube-controller-manager's Job controller batches Pod events (its 1 s syncJobBatchPeriod).
   */
  batchPeriodMs?: number;
}

/**
 * controller-runtime's Controller: event handlers turn informer events into keys on a
 * de-duplicating, rate-limited queue, and N workers reconcile keys one at a time each — never the
 * same key on two workers at once.
 */
export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  private readonly options: ControllerOptions;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetricFamilies;
  private readonly sources: Array<Pick<Informer<KubeObject>, 'waitForSync'>> = [];
  /** Shutdown began: stop waiting for caches. */
  private readonly stopping = new AbortController();
  /** The signal of every reconcile: aborted when they must stop writing. */
  private readonly inFlight = new AbortController();
  private workers: Promise<void>[] = [];
  private active = 0;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.name = options.name;
    this.logger = options.logger.child({ controller: options.name });
    const registry = options.registry ?? new Registry();
    const clock = options.clock ?? realClock;
    this.queue = new RateLimitingQueue<string>({
      clock,
      metrics: new PromQueueMetrics<string>(registry, options.name, { clock }),
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    });
    this.metrics = controllerMetrics(registry);
    const labels = { controller: this.name };
    this.metrics.maxConcurrent.set(labels, this.workerCount());
    this.metrics.activeWorkers.set(labels, 0);
    this.metrics.reconcileErrors.inc(labels, 0);
    for (const result of ['success', 'error', 'requeue', 'requeue_after'] as const) {
      this.metrics.reconcileTotal.inc({ ...labels, result }, 0);
    }
  }

  /** Reconciles the watched objects themselves. */
  for<T extends KubeObject>(informer: Informer<T>): this {
    return this.watches(informer, requestForObject);
  }

  /** Reconciles the controller owner (of the given kind) of each watched object. */
  owns<T extends KubeObject>(informer: Informer<T>, owner: OwnerKind, options?: WatchOptions<T>): this {
    return this.watches(informer, (object) => requestForControllerOwner(object, owner), options);
  }

  /** Reconciles whatever `map` says an object change concerns, e.g. every suite referencing a policy. */
  watches<T extends KubeObject>(
    informer: Informer<T>,
    map: (object: T) => Request[],
    options: WatchOptions<T> = {},
  ): this {
    const { creates, updates, deletes, batchPeriodMs } = options;
    const enqueue = (object: T) => {
      for (const request of map(object)) {
        if (batchPeriodMs) this.queue.addAfter(requestKey(request), batchPeriodMs);
        else this.queue.add(requestKey(request));
      }
    };
    return this.observes(informer, {
      onAdd: (object) => {
        if (!creates || creates(object)) enqueue(object);
      },
      // Both sides: a change of owner or reference must wake the old target as well as the new one.
      onUpdate: (previous, current) => {
        if (updates && !updates(previous, current)) return;
        enqueue(previous);
        enqueue(current);
      },
      onDelete: (object) => {
        if (!deletes || deletes(object)) enqueue(object);
      },
    });
  }

  /**
   * Calls `handler` on the cache's events, for state the controller derives from them (as the Job
   * controller's expectations follow its pod informer); reconciles nothing by itself. The
   * controller starts only once that cache is synced.
   */
  observes<T extends KubeObject>(informer: Informer<T>, handler: EventHandler<NoInfer<T>>): this {
    informer.addEventHandler(handler);
    return this.waitsFor(informer);
  }

  /**
   * Starts the controller only once this cache is synced, for a cache its reconciler reads but
   * whose changes concern nothing it reconciles.
   */
  waitsFor<T extends KubeObject>(informer: Informer<T>): this {
    this.sources.push(informer);
    return this;
  }

  /** Waits for every watched cache to sync, then starts the workers. */
  async start(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    try {
      await Promise.all(this.sources.map((source) => source.waitForSync(this.stopping.signal)));
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      throw error;
    }
    if (this.queue.shuttingDown()) return;
    this.logger.info({ workers: this.workerCount() }, 'starting workers');
    this.workers = Array.from({ length: this.workerCount() }, () => this.work());
  }

  /**
   * Stops taking work (queued keys are dropped: the next leader reconciles them) and resolves once
   * every in-flight reconcile has ended. It does not hurry them: the manager bounds the wait and
   * calls abort() when its drain deadline passes.
   */
  async shutDown(): Promise<void> {
    this.stopping.abort();
    await this.queue.shutDownWithDrain();
    await Promise.all(this.workers);
  }

  /**
   * Aborts the signal of every in-flight reconcile, so their writes are cancelled, and hands out
   * no more keys: for a replica that may no longer write (drain deadline passed, leadership lost).
   */
  abort(reason: string): void {
    if (this.inFlight.signal.aborted) return;
    this.inFlight.abort(new Error(`controller ${this.name}: ${reason}`));
    this.queue.shutDown();
  }

  private workerCount(): number {
    return Math.max(1, this.options.workers ?? 1);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.active++;
      this.metrics.activeWorkers.set({ controller: this.name }, this.active);
      try {
        await this.reconcileKey(key);
      } finally {
        this.active--;
        this.metrics.activeWorkers.set({ controller: this.name }, this.active);
        this.queue.done(key);
      }
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const request = requestFromKey(key);
    const reconcileId = randomUUID();
    // controller-runtime's log keys, so log queries written for Go operators work unchanged.
    const logger = this.logger.child({
      namespace: request.namespace,
      name: request.name,
      reconcileID: reconcileId,
    });
    const labels = { controller: this.name };
    const endTimer = this.metrics.reconcileTime.startTimer(labels);
    const signal = this.inFlight.signal;
    let outcome: ReconcileResultLabel;
    try {
      const result = (await this.options.reconcile(request, { logger, reconcileId, signal })) ?? {};
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfterMs);
        outcome = 'requeue_after';
      } else if (result.requeue) {
        this.queue.addRateLimited(key);
        outcome = 'requeue';
      } else {
        this.queue.forget(key);
        outcome = 'success';
      }
    } catch (error) {
      if (signal.aborted) {
        // Cancelled on purpose: not a failure to retry with backoff. The key is reconciled again
        // by whichever replica leads next, from what the API server then holds.
        logger.info(
          { reason: (signal.reason as Error).message, error: (error as Error).message },
          'reconcile aborted',
        );
        return;
      }
      this.queue.addRateLimited(key);
      this.metrics.reconcileErrors.inc(labels);
      outcome = 'error';
      logger.error({ err: error, requeues: this.queue.numRequeues(key) }, 'reconcile failed');
    } finally {
      endTimer();
    }
    this.metrics.reconcileTotal.inc({ ...labels, result: outcome });
  }
}
