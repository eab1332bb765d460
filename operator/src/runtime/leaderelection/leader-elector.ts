import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.ts';
import type { KubeClient } from '../client/kube-client.ts';
import { resourcePath, type KubeObject, type ResourceType } from '../client/resource.ts';
import { Informer } from '../informer/informer.ts';
import { listerWatcherFor } from '../informer/lister-watcher.ts';
import { realClock } from '../time/clock.ts';
import { AttemptTimer } from './attempt-timer.ts';
import { acquireAttemptAt, claimLease, heldByOther, releasedLease, type LeaseSpec } from './lease-record.ts';

export const leaseType: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
};

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  registry?: Registry;
  /** controller-runtime defaults: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  /** Called once when leadership ends, whether lost or released on shutdown. */
  onStoppedLeading(): void;
}

/** Attempt a few ms after the computed expiry, so the attempt lands past it rather than on its boundary. */
const attemptSlackMs = 5;
/** Enough versions to cover a GET reply that lags the watch by a renewal or two. */
const rememberedVersions = 16;

const masterStatusByRegistry = new WeakMap<Registry, Gauge<'name'>>();

function masterStatus(registry: Registry): Gauge<'name'> {
  let gauge = masterStatusByRegistry.get(registry);
  if (!gauge) {
    gauge = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
      labelNames: ['name'],
      registers: [registry],
    });
    masterStatusByRegistry.set(registry, gauge);
  }
  return gauge;
}

/**
 * client-go's LeaderElector on a coordination.k8s.io/v1 Lease: acquire by optimistic update
 * (resourceVersion), renew every retry period, give up leadership when no renewal succeeded for the
 * renew deadline, and release the lease on shutdown (ReleaseOnCancel) so a standby takes over at once.
 *
 * Unlike client-go, a standby also watches the Lease: it sees each renewal within milliseconds and
 * attempts exactly when the last one it saw expires, so a dead leader is replaced within the lease
 * duration instead of up to two jittered polls later. Expiry is still measured on the standby's own
 * clock from when it first saw the current version, never from the holder's renewTime.
 */
export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly gauge: Gauge<'name'> | undefined;
  private readonly clock = realClock;
  private readonly attempts = new AttemptTimer(realClock);
  /** When we first saw each recent resourceVersion of the Lease, by watch or by our own requests. */
  private readonly firstSeen = new Map<string, number>();
  private current: Lease | undefined;
  private leading = false;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs)
      throw new Error('renew deadline must be shorter than the lease duration');
    this.gauge = options.registry ? masterStatus(options.registry) : undefined;
    this.gauge?.set({ name: options.name }, 0);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until leading, then renews until leadership is lost or `signal` aborts (then
   * releases). Resolves 'lost' or 'released'/'stopped' so the caller can tell a crash-worthy loss
   * from a shutdown.
   */
  async run(signal: AbortSignal): Promise<'lost' | 'released' | 'stopped'> {
    const log = this.options.logger;
    const watch = this.watchLease();
    try {
      while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
        // The poll is only the fallback while the watch is down; client-go's JitterUntil with
        // factor 1.2, so standbys do not poll in lockstep.
        await this.attempts.wait(this.retryPeriodMs * (1 + Math.random() * 1.2), signal);
      }
    } finally {
      // A leader learns of the Lease from its own renewals; the watch is for standbys only.
      await watch.stop();
    }
    if (signal.aborted) return 'stopped';
    this.setLeading(true);
    log.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
    this.options.onStartedLeading();

    while (!signal.aborted) {
      await this.pause(this.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (!(await this.renewWithinDeadline(signal))) {
        if (signal.aborted) break;
        log.error(
          { lease: this.options.name },
          'failed to renew the lease within the renew deadline; leadership lost',
        );
        this.setLeading(false);
        this.options.onStoppedLeading();
        return 'lost';
      }
    }
    await this.release();
    this.setLeading(false);
    this.options.onStoppedLeading();
    return 'released';
  }

  private async renewWithinDeadline(signal: AbortSignal): Promise<boolean> {
    const deadline = this.clock.now() + this.renewDeadlineMs;
    while (!signal.aborted && this.clock.now() < deadline) {
      if (await this.tryAcquireOrRenew(deadline - this.clock.now())) return true;
      await this.pause(Math.min(this.retryPeriodMs, Math.max(0, deadline - this.clock.now())), signal);
    }
    return false;
  }

  private async tryAcquireOrRenew(timeoutMs = this.renewDeadlineMs): Promise<boolean> {
    const { client, namespace, name, identity, logger } = this.options;
    const now = new Date(this.clock.now());
    const durationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    const rest = client.rest;
    const collection = resourcePath(leaseType, { namespace });
    const object = resourcePath(leaseType, { namespace, name });
    try {
      let lease: Lease;
      try {
        lease = await rest.json<Lease>({ method: 'GET', path: object, timeoutMs });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        const created = await rest.json<Lease>({
          method: 'POST',
          path: collection,
          query: { fieldManager: client.fieldManager },
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: claimLease(undefined, identity, durationSeconds, now),
          },
          timeoutMs,
        });
        this.remember(created);
        return true;
      }
      const seenAt = this.remember(lease);
      const spec = lease.spec ?? {};
      // Expiry counts from when we first saw exactly the version we are about to update: if the
      // holder renewed since, the update conflicts, so a stale reply can never make us take it early.
      if (heldByOther(spec, identity, seenAt, this.clock.now())) return false;
      const updated = await rest.json<Lease>({
        method: 'PUT',
        path: object,
        query: { fieldManager: client.fieldManager },
        body: { ...lease, spec: claimLease(spec, identity, durationSeconds, now) },
        timeoutMs,
      });
      this.remember(updated);
      return true;
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error))
        logger.warn({ err: error, lease: name }, 'lease request failed');
      return false;
    }
  }

  private async release(): Promise<void> {
    const lease = this.current;
    if (!lease?.spec || lease.spec.holderIdentity !== this.options.identity) return;
    try {
      await this.options.client.update<Lease>(leaseType, {
        ...lease,
        spec: releasedLease(lease.spec, new Date()),
      });
      this.options.logger.info({ lease: this.options.name }, 'released the lease');
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not release the lease; a standby takes over when it expires',
      );
    }
  }

  /** Records a Lease read or written by our own requests; returns when we first saw its version. */
  private remember(lease: Lease): number {
    this.current = lease;
    return this.observe(lease);
  }

  /**
   * Notes when we first saw this version of the Lease and, while campaigning, when to attempt
   * next. Called for our requests' replies and for watch events, which may arrive in either order.
   */
  private observe(lease: Lease): number {
    const version = lease.metadata.resourceVersion ?? '';
    let seenAt = this.firstSeen.get(version);
    if (seenAt === undefined) {
      seenAt = this.clock.now();
      this.firstSeen.set(version, seenAt);
      if (this.firstSeen.size > rememberedVersions)
        this.firstSeen.delete(this.firstSeen.keys().next().value!);
    }
    if (!this.leading)
      this.attempts.schedule(
        version,
        acquireAttemptAt(lease.spec ?? {}, this.options.identity, seenAt, attemptSlackMs),
      );
    return seenAt;
  }

  /** An informer over this one Lease: reconnects with backoff and relists after 410, as every informer. */
  private watchLease(): Informer<Lease> {
    const { client, namespace, name, logger } = this.options;
    const informer = new Informer<Lease>({
      name: `${leaseType.group}/${leaseType.version}/${leaseType.plural}/${name}`,
      logger,
      sources: [
        {
          namespace,
          listerWatcher: listerWatcherFor<Lease>(client, {
            type: leaseType,
            namespace,
            fieldSelector: `metadata.name=${name}`,
          }),
        },
      ],
    });
    informer.addEventHandler({
      onAdd: (lease) => this.observe(lease),
      onUpdate: (_previous, lease) => this.observe(lease),
      // Deleted: nobody holds it, so create it at once.
      onDelete: (lease) =>
        this.attempts.schedule(`deleted ${lease.metadata.resourceVersion ?? ''}`, this.clock.now()),
    });
    informer.start();
    return informer;
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.gauge?.set({ name: this.options.name }, leading ? 1 : 0);
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(ms, undefined, { signal }).catch(() => undefined);
  }
}
