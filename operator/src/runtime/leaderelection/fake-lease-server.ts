// Test support: an in-memory Lease for LeaderElector and Manager unit tests on a FakeClock.
import { ApiError } from '../client/errors.ts';
import { delay } from '../client/request-retry.ts';
import type { FakeClock } from '../time/fake-clock.ts';
import type { Lease, LeaseClient, LeaseEvents } from './lease-client.ts';

/** Request latency of one candidate; the server applies a request when its latency has passed. */
export interface Latency {
  getMs: number;
  putMs: number;
}

/** One in-memory Lease with optimistic concurrency, watched synchronously by every candidate. */
export class FakeLeaseServer {
  /** While true, requests get no answer until their signal aborts, as behind a network partition. */
  partitioned = false;
  private lease: Lease | undefined;
  private version = 0;
  private readonly watchers = new Set<LeaseEvents>();
  private readonly clock: FakeClock;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  holder(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }

  clientWith(latency: Latency): LeaseClient {
    const clock = this.clock;
    const reach = async (ms: number, signal: AbortSignal) => {
      await delay(clock, ms, signal);
      if (this.partitioned) await never(signal);
    };
    return {
      get: async (signal) => {
        await reach(latency.getMs, signal);
        return structuredClone(this.lease);
      },
      create: async (spec, signal) => {
        await reach(latency.putMs, signal);
        if (this.lease) throw new ApiError(409, 'POST', 'lease', { reason: 'AlreadyExists' });
        return this.write({ metadata: { name: 'lease', namespace: 'ns' }, spec });
      },
      update: async (lease, signal) => {
        await reach(latency.putMs, signal);
        if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
          throw new ApiError(409, 'PUT', 'lease', { reason: 'Conflict' });
        return this.write(lease);
      },
      watch: (events) => {
        this.watchers.add(events);
        if (this.lease) events.observed(structuredClone(this.lease));
        return { stop: () => Promise.resolve(void this.watchers.delete(events)) };
      },
    };
  }

  private write(lease: Lease): Lease {
    this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    for (const watcher of this.watchers) watcher.observed(structuredClone(this.lease));
    return structuredClone(this.lease);
  }
}

/** Rejects with the signal's reason once it aborts; never resolves. */
function never(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
