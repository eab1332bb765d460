import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('serves the burst at once, then one token per 1/rate seconds', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBe(100);
    expect(bucket.reserve()).toBe(200);
    clock.advance(200);
    expect(bucket.reserve()).toBe(100);
  });

  it('tryTake refuses without going into debt and refills over time', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1 / 300, 2, clock);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(299_000);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1_000);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.isFull()).toBe(false);
    clock.advance(600_000);
    expect(bucket.isFull()).toBe(true);
  });
});
