import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { KubeClient } from '../client/kube-client.ts';
import { loadKubeConfig } from '../client/kubeconfig.ts';
import type { KubeObject, ResourceType } from '../client/resource.ts';
import { RestClient } from '../client/rest-client.ts';
import { Controller, type Reconciler } from '../controller/controller.ts';
import {
  SingletonController,
  singletonReconcile,
  type SingletonReconciler,
} from '../controller/singleton.ts';
import { EventRecorder } from '../events/recorder.ts';
import { Informer, stripApplyBookkeeping } from '../informer/informer.ts';
import { StringPool } from '../informer/string-pool.ts';
import { WritePriority } from '../client/write-priority.ts';
import { listerWatcherFor } from '../informer/lister-watcher.ts';
import type { IndexFunc } from '../informer/store.ts';
import { LeaderElector } from '../leaderelection/leader-elector.ts';
import type { LeaseClient } from '../leaderelection/lease-client.ts';
import { createLogger } from '../log/logger.ts';
import { realClock, type Clock } from '../time/clock.ts';
import { settlesWithin } from '../time/within.ts';
import { serve, type RunningServer } from './http-server.ts';
import { defaultManagerOptions, type ManagerOptions } from './options.ts';

export interface InformerRequest<T extends KubeObject> {
  type: ResourceType;
  /** Watch this one namespace, e.g. the operator's own, instead of the watched namespaces. */
  namespace?: string;
  /** Or these namespaces instead of the watched ones; an empty list means all namespaces. */
  namespaces?: string[];
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  /**
   * What of each object to cache, as client-go's SetTransform (managedFields are always dropped).
   * The first request for an informer sets it: later requests share that informer's objects.
   */
  transform?: (object: T) => T;
  /** Objects as PartialObjectMetadata (metadata only), for readers that need no more (client-go's metadata informer). */
  metadataOnly?: boolean;
}

export interface ManagerDependencies {
  logger?: Logger;
  registry?: Registry;
  /** An already loaded kubeconfig (tests); otherwise loaded from options.kubeconfig and the usual places. */
  kubeConfig?: KubeConfig;
  /** Times the shutdown drain, the controllers' queues and the leader election (tests: a FakeClock). */
  clock?: Clock;
  /** Replaces the leader election's Lease access (tests: an in-memory Lease). */
  leaseClient?: LeaseClient;
}

/**
 * controller-runtime's Manager: shares one informer per resource and selector among controllers,
 * runs them only while this replica holds the leader Lease (informers run regardless, so a new
 * leader starts with warm caches), serves probes and metrics, and shuts down gracefully.
 */
/** The longest a write that can wait steps aside for urgent ones (WritePriority). */
const WRITE_DEFER_MS = 60_000;

/**
 * How long reconciles get to end once their signal is aborted. Aborted writes reject at once; a
 * reconcile still running after this ignores its signal, and may yet write, so the Lease is left
 * to expire rather than released to a standby that would act beside it.
 */
const ABORTED_GRACE_MS = 5_000;

export class Manager {
  readonly options: ManagerOptions;
  readonly client: KubeClient;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly events: EventRecorder;
  /** Urgent writes (Job creations) and those that step aside for them (status, Events). */
  readonly priority: WritePriority;
  /** Strings the caches share (StringPool): one pool, so a Job's labels share its suite's names. */
  private readonly strings = new StringPool();
  /** Resolves with the process exit code once the manager has stopped. */
  readonly done: Promise<number>;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Controller[] = [];
  private readonly servers: RunningServer[] = [];
  private readonly election = new AbortController();
  private readonly deps: ManagerDependencies;
  private readonly clock: Clock;
  /** Set when aborted reconciles did not end: the Lease must then expire, not be released. */
  private reconcilesOutlived = false;
  private leadershipLost = false;
  private elector: LeaderElector | undefined;
  private electorRun: Promise<unknown> | undefined;
  private controllersStarted = false;
  private stopping: Promise<void> | undefined;
  private finish: (code: number) => void = () => {};
  private ports: { health?: number; metrics?: number } = {};

  private constructor(
    options: ManagerOptions,
    client: KubeClient,
    registry: Registry,
    logger: Logger,
    deps: ManagerDependencies,
  ) {
    this.options = options;
    this.deps = deps;
    this.clock = deps.clock ?? realClock;
    this.client = client;
    this.registry = registry;
    this.logger = logger;
    this.priority = new WritePriority({ maxDeferMs: WRITE_DEFER_MS });
    this.events = new EventRecorder({
      client,
      reportingInstance: options.identity,
      logger,
      registry,
      priority: this.priority,
    });
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  static async create(
    options: Partial<ManagerOptions> = {},
    deps: ManagerDependencies = {},
  ): Promise<Manager> {
    const merged: ManagerOptions = { ...defaultManagerOptions, ...options };
    const logger = deps.logger ?? createLogger({ level: merged.logLevel, identity: merged.identity });
    const registry = deps.registry ?? new Registry();
    if (!deps.registry) collectDefaultMetrics({ register: registry });
    const kc = deps.kubeConfig ?? loadKubeConfig(merged.kubeconfig ? { kubeconfig: merged.kubeconfig } : {});
    const rest = await RestClient.create(kc, {
      registry,
      userAgent: `bench-operator/${merged.identity}`,
      qps: merged.kubeApiQps,
      burst: merged.kubeApiBurst,
    });
    return new Manager(merged, new KubeClient(rest), registry, logger, deps);
  }

  /** The shared informer for a resource and selector, created on first request. */
  informer<T extends KubeObject>(request: InformerRequest<T>): Informer<T> {
    const { type, labelSelector, fieldSelector, metadataOnly } = request;
    const scope = request.namespace ? [request.namespace] : (request.namespaces ?? this.options.namespaces);
    const namespaces = type.namespaced && scope.length > 0 ? scope : [undefined];
    const key = [
      type.group,
      type.version,
      type.plural,
      namespaces.join(','),
      labelSelector ?? '',
      fieldSelector ?? '',
      metadataOnly ? 'metadata' : '',
    ].join('|');
    let informer = this.informers.get(key) as Informer<T> | undefined;
    if (!informer) {
      informer = new Informer<T>({
        name: `${type.group || 'core'}/${type.version}/${type.plural}${labelSelector ? `?${labelSelector}` : ''}`,
        logger: this.logger,
        sources: namespaces.map((namespace) => ({
          ...(namespace ? { namespace } : {}),
          listerWatcher: listerWatcherFor<T>(this.client, {
            type,
            namespace,
            labelSelector,
            fieldSelector,
            metadataOnly,
          }),
        })),
        indexers: request.indexers ?? {},
        transform: pooled(request.transform ?? stripApplyBookkeeping, this.strings),
      });
      this.informers.set(key, informer as unknown as Informer<KubeObject>);
    } else {
      for (const [name, fn] of Object.entries(request.indexers ?? {})) informer.store.addIndexer(name, fn);
    }
    return informer;
  }

  /** A controller run by this manager; wire its watches before calling start(). */
  controller(options: { name: string; reconcile: Reconciler; workers?: number }): Controller {
    const controller = new Controller({
      name: options.name,
      reconcile: options.reconcile,
      workers: options.workers ?? this.options.workers,
      logger: this.logger,
      registry: this.registry,
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
    });
    this.controllers.push(controller);
    return controller;
  }

  /**
   * A controller with one key and one worker, for work over every object at once (a scheduling
   * pass); wire its watches before calling start().
   */
  singleton(options: { name: string; reconcile: SingletonReconciler }): SingletonController {
    return new SingletonController(
      this.controller({ name: options.name, reconcile: singletonReconcile(options.reconcile), workers: 1 }),
    );
  }

  /** Ready when every informer has listed once. */
  ready(): boolean {
    return !this.stopping && [...this.informers.values()].every((informer) => informer.hasSynced());
  }

  isLeader(): boolean {
    return this.options.leaderElection ? (this.elector?.isLeader() ?? false) : true;
  }

  healthPort(): number | undefined {
    return this.ports.health;
  }

  metricsPort(): number | undefined {
    return this.ports.metrics;
  }

  /** Starts servers and informers, then campaigns for leadership (or starts controllers at once). */
  async start(): Promise<void> {
    const health = await serve(this.options.healthProbeBindAddress, {
      '/healthz': () => Promise.resolve({ status: 200, body: 'ok\n' }),
      '/readyz': () =>
        Promise.resolve(
          this.ready() ? { status: 200, body: 'ok\n' } : { status: 503, body: 'caches not synced\n' },
        ),
    });
    this.servers.push(health);
    this.ports.health = health.port;
    if (this.options.metricsBindAddress !== '0') {
      const metrics = await serve(this.options.metricsBindAddress, {
        '/metrics': async () => ({
          status: 200,
          body: await this.registry.metrics(),
          contentType: this.registry.contentType,
        }),
      });
      this.servers.push(metrics);
      this.ports.metrics = metrics.port;
    }
    for (const informer of this.informers.values()) informer.start();
    this.logger.info(
      { ...this.ports, namespaces: this.options.namespaces, leaderElection: this.options.leaderElection },
      'manager started',
    );

    if (!this.options.leaderElection) {
      this.startControllers();
      return;
    }
    this.elector = new LeaderElector({
      client: this.client,
      ...(this.deps.leaseClient ? { leaseClient: this.deps.leaseClient } : {}),
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
      namespace: this.options.leaderElectionNamespace,
      name: this.options.leaderElectionId,
      identity: this.options.identity,
      logger: this.logger,
      registry: this.registry,
      leaseDurationMs: this.options.leaseDurationMs,
      renewDeadlineMs: this.options.renewDeadlineMs,
      retryPeriodMs: this.options.retryPeriodMs,
      onStartedLeading: () => this.startControllers(),
      // Lost (no renewal within the renew deadline) or released after the drain: either way a
      // standby may act now, so nothing of ours may still write.
      onStoppedLeading: () => this.abortReconciles('leadership ended'),
      mayRelease: () => !this.reconcilesOutlived,
    });
    this.electorRun = this.elector.run(this.election.signal).then((outcome) => {
      // As controller-runtime: a replica that lost its lease may be partitioned and must not keep
      // reconciling next to the new leader, so it exits and is restarted as a standby.
      if (outcome !== 'lost') return;
      this.leadershipLost = true;
      void this.stop(1);
    });
  }

  /** Stops on SIGTERM / SIGINT; a second signal exits immediately. */
  handleSignals(): void {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) process.exit(1);
      received = true;
      this.logger.info({ signal }, 'shutting down');
      void this.stop(0);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  /**
   * Graceful shutdown, in controller-runtime's order: stop taking work, let in-flight reconciles
   * finish up to gracefulShutdownTimeoutMs, then abort the ones still running (their writes are
   * cancelled) and wait for them to end; only then release the Lease, so a standby never acts
   * while this replica still writes. Then stop informers, flush events and close the servers.
   */
  stop(exitCode = 0): Promise<void> {
    this.stopping ??= (async () => {
      const timeoutMs = this.options.gracefulShutdownTimeoutMs;
      const ended = Promise.all(this.controllers.map((c) => c.shutDown()));
      const drained = await settlesWithin(ended, timeoutMs, this.clock);
      if (!drained) {
        this.logger.warn(
          { gracefulShutdownTimeoutMs: timeoutMs },
          'in-flight reconciles did not finish within the graceful shutdown timeout; aborting them',
        );
        this.abortReconciles('graceful shutdown timeout passed');
        this.reconcilesOutlived = !(await settlesWithin(ended, ABORTED_GRACE_MS, this.clock));
        if (this.reconcilesOutlived)
          this.logger.error(
            { abortedGraceMs: ABORTED_GRACE_MS },
            'reconciles still run after their abort; the Lease is left to expire instead of released',
          );
      }
      this.election.abort();
      await this.electorRun;
      await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
      await this.events.close(Math.min(5_000, timeoutMs));
      await Promise.all(this.servers.map((server) => server.close()));
      this.logger.info({ drained }, 'manager stopped');
      this.finish(drained && !this.leadershipLost ? exitCode : exitCode || 1);
    })();
    return this.stopping;
  }

  private abortReconciles(reason: string): void {
    for (const controller of this.controllers) controller.abort(reason);
  }

  private startControllers(): void {
    if (this.controllersStarted) return;
    this.controllersStarted = true;
    for (const controller of this.controllers) {
      controller.start().catch((error: unknown) => {
        this.logger.error({ err: error, controller: controller.name }, 'controller failed to start');
        void this.stop(1);
      });
    }
  }
}

/** `transform`, then the pool's strings in place of the object's own. */
function pooled<T extends KubeObject>(transform: (object: T) => T, strings: StringPool): (object: T) => T {
  return (object) => strings.internAll(transform(object));
}
