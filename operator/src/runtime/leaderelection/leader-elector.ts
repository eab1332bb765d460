import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { isAlreadyExists, isConflict } from '../client/errors.ts';
import type { KubeClient } from '../client/kube-client.ts';
import { monotonicClock, type Clock } from '../time/clock.ts';
import { AttemptTimer } from './attempt-timer.ts';
import { kubeLeaseClient, type Lease, type LeaseClient } from './lease-client.ts';
import { acquireAttemptAt, claimLease, heldByOther, releasedLease } from './lease-record.ts';

export { leaseType } from './lease-client.ts';

export interface LeaderElectorOptions {
  /** The API client; may be omitted when `leaseClient` is given. */
  client?: KubeClient;
  /** Replaces the Lease access built from `client` (tests use an in-memory Lease). */
  leaseClient?: LeaseClient;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  registry?: Registry;
  /** controller-runtime defaults: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /**
   * Measures every lease duration, deadline and retry; must be monotonic (default
   * performance.now), as a wall-clock step would expire a live lease or keep a dead one.
   */
  clock?: Clock;
  /** The time written into the Lease's acquireTime/renewTime, for humans only; default `new Date()`. */
  wallClock?: () => Date;
  onStartedLeading(): void;
  /** Called once when leadership ends, whether lost or released on shutdown. */
  onStoppedLeading(): void;
  /**
   * Asked when the run is cancelled while leading: false keeps the Lease (it expires after the
   * lease duration) because work of this leader may still be writing. Default: always release.
   */
  mayRelease?(): boolean;
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
 * monotonic clock from when it first saw the current version, never from the holder's renewTime.
 */
export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly leases: LeaseClient;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly gauge: Gauge<'name'> | undefined;
  private readonly clock: Clock;
  private readonly wallClock: () => Date;
  private readonly attempts: AttemptTimer;
  /** When (monotonic) we first saw each recent resourceVersion of the Lease, by watch or by our own requests. */
  private readonly firstSeen = new Map<string, number>();
  private current: Lease | undefined;
  private leading = false;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    if (options.leaseClient) this.leases = options.leaseClient;
    else if (options.client)
      this.leases = kubeLeaseClient(options.client, options.namespace, options.name, options.logger);
    else throw new Error('a leader elector needs a client or a lease client');
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs)
      throw new Error('renew deadline must be shorter than the lease duration');
    this.clock = options.clock ?? monotonicClock;
    this.wallClock = options.wallClock ?? (() => new Date());
    this.attempts = new AttemptTimer(this.clock);
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
    const watch = this.leases.watch({
      observed: (lease) => this.observe(lease),
      // Deleted: nobody holds it, so create it at once.
      deleted: (lease) =>
        this.attempts.schedule(`deleted ${lease.metadata.resourceVersion ?? ''}`, this.clock.now()),
    });
    let renewedAt: number;
    try {
      for (;;) {
        if (signal.aborted) return 'stopped';
        const writtenAt = await this.attemptWithin(this.renewDeadlineMs, signal);
        if (writtenAt !== undefined) {
          renewedAt = writtenAt;
          break;
        }
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
      const renewed = await this.renewBefore(renewedAt + this.renewDeadlineMs, signal);
      if (renewed === undefined) {
        if (signal.aborted) break;
        log.error(
          { lease: this.options.name },
          'failed to renew the lease within the renew deadline; leadership lost',
        );
        this.setLeading(false);
        this.options.onStoppedLeading();
        return 'lost';
      }
      renewedAt = renewed;
    }
    if (this.options.mayRelease?.() ?? true) await this.release();
    this.setLeading(false);
    this.options.onStoppedLeading();
    return 'released';
  }

  /**
   * client-go's renew: retries under one deadline (its context.WithTimeout) that every request of
   * every attempt shares, so no GET+PUT can end after it. The deadline counts from when the last
   * successful renewal's write was sent: others time our lease from when they saw that write, which
   * is later, so a leader that steps down at the deadline has stopped before any standby may take
   * over. Returns when the successful write was sent, or undefined when the deadline passed.
   */
  private async renewBefore(deadlineAt: number, signal: AbortSignal): Promise<number | undefined> {
    const deadline = this.deadlineSignal(deadlineAt - this.clock.now(), signal);
    try {
      while (!deadline.signal.aborted) {
        const writtenAt = await this.tryAcquireOrRenew(deadline.signal);
        if (writtenAt !== undefined) {
          // A reply that raced the deadline's timer is no success: we may already be past it.
          return this.clock.now() < deadlineAt ? writtenAt : undefined;
        }
        await this.pause(this.retryPeriodMs, deadline.signal);
      }
      return undefined;
    } finally {
      deadline.cancel();
    }
  }

  private async attemptWithin(timeoutMs: number, signal: AbortSignal): Promise<number | undefined> {
    const deadline = this.deadlineSignal(timeoutMs, signal);
    try {
      return await this.tryAcquireOrRenew(deadline.signal);
    } finally {
      deadline.cancel();
    }
  }

  /** Returns when (monotonic) the successful write was sent, or undefined when the lease is not ours. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<number | undefined> {
    const { identity, logger, name } = this.options;
    const now = this.wallClock();
    const durationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    try {
      const lease = await this.leases.get(signal);
      if (!lease) {
        const sentAt = this.clock.now();
        this.remember(
          await this.leases.create(claimLease(undefined, identity, durationSeconds, now), signal),
        );
        return sentAt;
      }
      const seenAt = this.remember(lease);
      const spec = lease.spec ?? {};
      // Expiry counts from when we first saw exactly the version we are about to update: if the
      // holder renewed since, the update conflicts, so a stale reply can never make us take it early.
      if (heldByOther(spec, identity, seenAt, this.clock.now())) return undefined;
      const sentAt = this.clock.now();
      this.remember(
        await this.leases.update(
          { ...lease, spec: claimLease(spec, identity, durationSeconds, now) },
          signal,
        ),
      );
      return sentAt;
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error) && !signal.aborted)
        logger.warn({ err: error, lease: name }, 'lease request failed');
      return undefined;
    }
  }

  private async release(): Promise<void> {
    const lease = this.current;
    if (!lease?.spec || lease.spec.holderIdentity !== this.options.identity) return;
    const deadline = this.deadlineSignal(this.renewDeadlineMs);
    try {
      await this.leases.update(
        { ...lease, spec: releasedLease(lease.spec, this.wallClock()) },
        deadline.signal,
      );
      this.options.logger.info({ lease: this.options.name }, 'released the lease');
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not release the lease; a standby takes over when it expires',
      );
    } finally {
      deadline.cancel();
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

  /** A signal that aborts after `ms` on our clock (AbortSignal.timeout only knows the real one), or with `parent`. */
  private deadlineSignal(ms: number, parent?: AbortSignal): { signal: AbortSignal; cancel(): void } {
    const controller = new AbortController();
    const timer = this.clock.setTimeout(
      () => controller.abort(new DOMException('renew deadline exceeded', 'TimeoutError')),
      Math.max(0, ms),
    );
    return {
      signal: parent ? AbortSignal.any([parent, controller.signal]) : controller.signal,
      cancel: () => this.clock.clearTimeout(timer),
    };
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.gauge?.set({ name: this.options.name }, leading ? 1 : 0);
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.clock.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
