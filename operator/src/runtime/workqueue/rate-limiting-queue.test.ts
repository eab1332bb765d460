import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { PromQueueMetrics } from './metrics.ts';
import { RateLimitingQueue } from './rate-limiting-queue.ts';

describe('RateLimitingQueue', () => {
  it('retries a failing item with growing delays until forgotten', () => {
    const clock = new FakeClock();
    const queue = new RateLimitingQueue<string>({ clock });
    queue.addRateLimited('a');
    clock.advance(4);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
    queue.addRateLimited('b');
    queue.addRateLimited('b');
    expect(queue.numRequeues('b')).toBe(2);
    queue.forget('b');
    expect(queue.numRequeues('b')).toBe(0);
  });

  it('exports client-go workqueue metrics with name and controller labels', async () => {
    const clock = new FakeClock(1_000);
    const registry = new Registry();
    const metrics = new PromQueueMetrics<string>(registry, 'suite', { clock });
    const queue = new RateLimitingQueue<string>({ clock, metrics });
    queue.add('a');
    queue.add('b');
    queue.addRateLimited('c');
    clock.advance(2_000);
    const item = await queue.get();
    clock.advance(3_000);

    const text = await registry.metrics();
    expect(text).toContain('workqueue_depth{name="suite",controller="suite"} 2');
    expect(text).toContain('workqueue_adds_total{name="suite",controller="suite"} 3');
    expect(text).toContain('workqueue_retries_total{name="suite",controller="suite"} 1');
    expect(text).toContain('workqueue_unfinished_work_seconds{name="suite",controller="suite"} 3');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="suite",controller="suite"} 3');
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="suite",controller="suite"} 1');

    queue.done(item!);
    const after = await registry.metrics();
    expect(after).toContain('workqueue_work_duration_seconds_sum{name="suite",controller="suite"} 3');
    expect(after).toContain('workqueue_unfinished_work_seconds{name="suite",controller="suite"} 0');
  });
});
