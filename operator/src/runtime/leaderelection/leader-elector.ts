import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.ts';
import type { KubeClient } from '../client/kube-client.ts';
import { resourcePath, type KubeObject, type ResourceType } from '../client/resource.ts';
import { claimLease, heldByOther, releasedLease, type LeaseSpec } from './lease-record.ts';

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
 */
export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly gauge: Gauge<'name'> | undefined;
  private observed: { resourceVersion: string; atMs: number } | undefined;
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
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
      // client-go's JitterUntil with factor 1.2, so standbys do not poll in lockstep.
      await this.pause(this.retryPeriodMs * (1 + Math.random() * 1.2), signal);
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
    const deadline = Date.now() + this.renewDeadlineMs;
    while (!signal.aborted && Date.now() < deadline) {
      if (await this.tryAcquireOrRenew(deadline - Date.now())) return true;
      await this.pause(Math.min(this.retryPeriodMs, Math.max(0, deadline - Date.now())), signal);
    }
    return false;
  }

  private async tryAcquireOrRenew(timeoutMs = this.renewDeadlineMs): Promise<boolean> {
    const { client, namespace, name, identity, logger } = this.options;
    const now = new Date();
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
      this.remember(lease);
      const spec = lease.spec ?? {};
      if (heldByOther(spec, identity, this.observed?.atMs ?? Date.now(), Date.now())) return false;
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

  private remember(lease: Lease): void {
    this.current = lease;
    const version = lease.metadata.resourceVersion ?? '';
    if (this.observed?.resourceVersion !== version)
      this.observed = { resourceVersion: version, atMs: Date.now() };
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.gauge?.set({ name: this.options.name }, leading ? 1 : 0);
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(ms, undefined, { signal }).catch(() => undefined);
  }
}
