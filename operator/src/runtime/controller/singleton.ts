import type { KubeObject } from '../client/resource.ts';
import type { EventHandler, Informer } from '../informer/informer.ts';
import type { Controller, ReconcileContext, WatchOptions } from './controller.ts';
import { requestKey, type Request, type Result } from './request.ts';

/** Reconciles everything at once; it receives no request, only the context. */
export type SingletonReconciler = (context: ReconcileContext) => Promise<Result | void>;

/**
 * A controller with one key, for work that must look at every object at once (a scheduler's pass
 * over every queued run) rather than one object at a time. Every event that concerns it wakes the
 * same reconcile; events during a reconcile coalesce into one more afterwards (the work queue's
 * dirty set), and two never run at once. controller-runtime has no builder for this (Kueue's
 * scheduler runs a loop of its own beside its controllers); built on Controller, it keeps the
 * work queue's rate limits, metrics, leader gating and graceful shutdown.
 */
export class SingletonController {
  private readonly controller: Controller;
  private readonly request: Request;

  /** `controller` must reconcile with `singletonReconcile`, and have no other watches. */
  constructor(controller: Controller) {
    this.controller = controller;
    this.request = { name: controller.name };
  }

  get name(): string {
    return this.controller.name;
  }

  /** Asks for a reconcile, e.g. when state outside any cache changed. */
  trigger(): void {
    this.controller.queue.add(requestKey(this.request));
  }

  /** Reconciles when an event of this cache passes the predicates (all pass when none are given). */
  watches<T extends KubeObject>(informer: Informer<T>, options?: WatchOptions<T>): this {
    this.controller.watches(informer, () => [this.request], options);
    return this;
  }

  /** Calls `handler` on the cache's events, for state derived from them (Controller.observes). */
  observes<T extends KubeObject>(informer: Informer<T>, handler: EventHandler<NoInfer<T>>): this {
    this.controller.observes(informer, handler);
    return this;
  }
}

/** The Controller reconciler behind a singleton: the request is always the singleton's own. */
export function singletonReconcile(reconcile: SingletonReconciler) {
  return (_request: Request, context: ReconcileContext) => reconcile(context);
}
