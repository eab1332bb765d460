import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from './rate-limiters.ts';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles per failure from 5 ms up to 1000 s, per item', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    expect([limiter.when('a'), limiter.when('a'), limiter.when('a'), limiter.when('b')]).toEqual([
      5, 10, 20, 5,
    ]);
    expect(limiter.numRequeues('a')).toBe(3);
    for (let i = 0; i < 100; i++) limiter.when('a');
    expect(limiter.when('a')).toBe(1_000_000);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
  });

  it('stays capped even after enough failures to overflow 2^n', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    for (let i = 0; i < 2000; i++) limiter.when('a');
    expect(limiter.when('a')).toBe(1_000_000);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst of 100 through and then spaces retries 100 ms apart (10 qps)', () => {
    const limiter = new BucketRateLimiter<string>(10, 100, new FakeClock());
    const delays = Array.from({ length: 102 }, (_, i) => limiter.when(`k${i}`));
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100)).toEqual([100, 200]);
  });
});

describe('MaxOfRateLimiter / defaultControllerRateLimiter', () => {
  it('takes the longest delay and forgets in every limiter', () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter<string>(clock);
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('a')).toBe(10);
    for (let i = 0; i < 98; i++) limiter.when(`other${i}`);
    // The bucket is now empty: the overall limit (100 ms) beats item a's third backoff (20 ms).
    expect(limiter.when('a')).toBe(100);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
  });

  it('reports the largest requeue count', () => {
    const a = new ItemExponentialFailureRateLimiter<string>(1, 10);
    const b = new ItemExponentialFailureRateLimiter<string>(1, 10);
    const limiter = new MaxOfRateLimiter(a, b);
    a.when('x');
    a.when('x');
    b.when('x');
    expect(limiter.numRequeues('x')).toBe(2);
  });
});
