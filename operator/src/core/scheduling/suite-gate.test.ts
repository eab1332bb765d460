import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { suiteGate } from './suite-gate.ts';

const suite = { spec: {} } as BenchmarkSuite;
const nightly: SchedulePolicy = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name: 'nightly', namespace: 'ns' },
  spec: {
    timeZone: 'Europe/Berlin',
    windows: [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '22:00', end: '06:00' }],
  },
};

describe('suiteGate', () => {
  it('holds runs outside the windows until the next opening', () => {
    // Sunday 2026-11-22 12:00 UTC (13:00 in Berlin): next opening Monday 22:00 Berlin.
    expect(suiteGate(suite, nightly, Date.parse('2026-11-22T12:00:00Z'))).toEqual({
      reason: 'OutsideWindow',
      message:
        'outside the time windows of SchedulePolicy nightly (Mon-Fri 22:00-06:00 Europe/Berlin); next window opens at 2026-11-23T21:00:00.000Z',
      retryAt: Date.parse('2026-11-23T21:00:00Z'),
    });
  });

  it('lets runs start inside a window, and without windows', () => {
    expect(suiteGate(suite, nightly, Date.parse('2026-11-23T22:30:00Z'))).toBeUndefined();
    expect(suiteGate(suite, { ...nightly, spec: {} }, Date.parse('2026-11-22T12:00:00Z'))).toBeUndefined();
  });

  it('suspension comes first', () => {
    expect(suiteGate({ spec: { suspend: true } } as BenchmarkSuite, nightly, 0)?.reason).toBe('Suspended');
  });
});
