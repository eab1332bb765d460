import type { Clock } from '../time/clock.ts';
import { TokenBucket } from '../time/token-bucket.ts';

/**
 * client-go's EventSourceObjectSpamFilter: a token bucket per object (burst 25, one token per
 * 5 minutes), so one misbehaving object cannot flood etcd with events. Events beyond it are dropped.
 */
export class SpamFilter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly clock: Clock;
  private readonly burst: number;
  private readonly perSecond: number;

  constructor(clock: Clock, options: { burst?: number; perSecond?: number } = {}) {
    this.clock = clock;
    this.burst = options.burst ?? 25;
    this.perSecond = options.perSecond ?? 1 / 300;
  }

  allow(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      // Full buckets carry no state, so drop them to keep memory bounded by recently noisy objects.
      for (const [otherKey, other] of this.buckets) if (other.isFull()) this.buckets.delete(otherKey);
      bucket = new TokenBucket(this.perSecond, this.burst, this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake();
  }
}
