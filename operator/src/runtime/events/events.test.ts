import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { seriesKey, spamKey, truncateNote, type EventRecord } from './event.ts';
import { SeriesCache } from './series-cache.ts';
import { SpamFilter } from './spam-filter.ts';

const base: EventRecord = {
  regarding: {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    namespace: 'ns',
    name: 's',
    uid: 'u1',
  },
  type: 'Normal',
  reason: 'RunAdmitted',
  action: 'Admit',
  note: 'run a admitted',
};

describe('seriesKey', () => {
  it('is equal only for the same regarding, related, type, reason, action and note', () => {
    expect(seriesKey({ ...base })).toBe(seriesKey(base));
    for (const variant of [
      { ...base, note: 'run b admitted' },
      { ...base, type: 'Warning' as const },
      { ...base, reason: 'RunDeferred' },
      { ...base, related: { kind: 'Job', name: 'j', namespace: 'ns' } },
      { ...base, regarding: { ...base.regarding, uid: 'u2' } },
      { ...base, annotations: { 'bench.dev/decision-id': 'u1/r1/a/a1/RunAdmitted' } },
    ]) {
      expect(seriesKey(variant)).not.toBe(seriesKey(base));
    }
    expect(spamKey({ ...base, note: 'other' })).toBe(spamKey(base));
  });
});

describe('SeriesCache', () => {
  it('turns repeats into a growing series and starts over after the window', () => {
    const clock = new FakeClock();
    const cache = new SeriesCache(clock, 360_000);
    expect(cache.observe('k')).toEqual({ create: true });
    cache.created('k', 's.abc', 'ns');
    expect(cache.observe('k')).toEqual({ create: false, eventName: 's.abc', namespace: 'ns', count: 2 });
    clock.advance(360_000);
    expect(cache.observe('k')).toMatchObject({ count: 3 });
    clock.advance(360_001);
    expect(cache.observe('k')).toEqual({ create: true });
    expect(cache.size()).toBe(0);
  });

  it('expires each series a window after its own last repeat, whatever order they were created in', () => {
    const clock = new FakeClock();
    const cache = new SeriesCache(clock, 360_000);
    cache.created('old', 'o.1', 'ns');
    clock.advance(1000);
    cache.created('young', 'y.1', 'ns');
    clock.advance(1000);
    cache.observe('old');
    clock.advance(359_500);
    // 'young' was last seen 360.5 s ago, 'old' 359.5 s ago.
    expect(cache.observe('old')).toMatchObject({ create: false, count: 3 });
    expect(cache.size()).toBe(1);
    expect(cache.observe('young')).toEqual({ create: true });
  });
});

describe('SpamFilter', () => {
  it('allows a burst of 25 per object, then one per 5 minutes', () => {
    const clock = new FakeClock();
    const filter = new SpamFilter(clock);
    const allowed = Array.from({ length: 30 }, () => filter.allow('a')).filter(Boolean).length;
    expect(allowed).toBe(25);
    expect(filter.allow('b'), 'other objects have their own bucket').toBe(true);
    clock.advance(300_000);
    expect(filter.allow('a')).toBe(true);
    expect(filter.allow('a')).toBe(false);
  });
});

describe('truncateNote', () => {
  it('keeps notes within 1 kB, counting bytes', () => {
    expect(truncateNote('short')).toBe('short');
    const long = truncateNote('é'.repeat(1000));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(1024);
    expect(long.endsWith('...')).toBe(true);
  });
});
