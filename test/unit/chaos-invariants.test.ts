// The chaos test's invariant checks catch what they are for: each is fed a history that breaks its
// rule (and one that does not), so a passing chaos run means the rule held, not that the check was blind.
import { describe, expect, it } from 'vitest';
import type { Observed } from '../chaos/history.ts';
import {
  capCheck,
  duplicateJobs,
  failoverTimes,
  leaderCheck,
  percentile,
  WRITTEN_BY,
  type JobObject,
  type LeaseObject,
} from '../chaos/invariants.ts';

function job(
  name: string,
  rv: number,
  options: { uid?: string; provider?: string; done?: boolean; writer?: string; stopped?: boolean } = {},
): JobObject {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: options.uid ?? `uid-${name}`,
      resourceVersion: String(rv),
      labels: {
        'bench.dev/suite': 's',
        'bench.dev/round': '1',
        'bench.dev/run': name,
        'bench.dev/attempt': '1',
        'bench.dev/provider': options.provider ?? 'p',
      },
      annotations: {
        [WRITTEN_BY]: options.writer ?? 'a',
        ...(options.stopped ? { 'bench.dev/stop-reason': 'NotStarted' } : {}),
      },
    },
    status: options.done ? { conditions: [{ type: 'Complete', status: 'True' }] } : {},
  };
}

function seen<T extends JobObject | LeaseObject>(
  type: Observed<T>['type'],
  object: T,
  at = 0,
  since?: number,
): Observed<T> {
  return {
    type,
    object,
    rv: Number(object.metadata.resourceVersion),
    at,
    ...(since === undefined ? {} : { since }),
  };
}

function lease(holder: string, rv: number): LeaseObject {
  return {
    metadata: { name: 'l', namespace: 'ns', resourceVersion: String(rv) },
    spec: { holderIdentity: holder },
  };
}

describe('duplicateJobs', () => {
  it('finds a run attempt that had two Jobs, and none when each had one', () => {
    const once = [seen('ADDED', job('r1', 1)), seen('MODIFIED', job('r1', 2, { done: true }))];
    expect(duplicateJobs(once)).toEqual([]);
    const twice = [...once, seen('DELETED', job('r1', 3)), seen('ADDED', job('r1', 4, { uid: 'other' }))];
    expect(duplicateJobs(twice)).toEqual(['ns/s/r1/r1/a1: 2 Jobs']);
  });
});

describe('capCheck', () => {
  it('counts unfinished Jobs per provider at each instant and reports the instant over the cap', () => {
    const events = [
      seen('ADDED', job('a', 1)),
      seen('ADDED', job('b', 2)),
      seen('MODIFIED', job('a', 3, { done: true })),
      seen('ADDED', job('c', 4)),
      seen('ADDED', job('d', 5)),
    ];
    expect(capCheck(events, { p: 2 }).violations).toEqual([{ provider: 'p', active: 3, cap: 2, rv: 5 }]);
    expect(capCheck(events, { p: 3 })).toMatchObject({ samples: 5, peak: { p: 3 }, violations: [] });
  });

  it('does not take the unknown order of changes a relist found for instants', () => {
    // a finished and c started while the watch was down: c at rv 4 before a's rv 5 is not an instant.
    const events = [
      seen('ADDED', job('a', 1)),
      seen('ADDED', job('b', 2)),
      seen('ADDED', job('c', 4), 0, 2),
      seen('MODIFIED', job('a', 5, { done: true }), 0, 2),
    ];
    expect(capCheck(events, { p: 2 })).toMatchObject({ samples: 2, violations: [] });
  });
});

describe('leaderCheck', () => {
  const terms = [
    seen('ADDED', lease('a', 10)),
    seen('MODIFIED', lease('a', 20)),
    seen('MODIFIED', lease('b', 30)),
  ];

  it('accepts writes made by the holder of their instant', () => {
    const jobs = [seen('ADDED', job('x', 15, { writer: 'a' })), seen('ADDED', job('y', 35, { writer: 'b' }))];
    expect(leaderCheck(jobs, terms)).toEqual({ checked: 2, ambiguous: 0, conflicts: [] });
  });

  it('reports a write by a replica whose term had ended: two leaders at once', () => {
    const jobs = [seen('ADDED', job('x', 31, { writer: 'a' }))];
    expect(leaderCheck(jobs, terms).conflicts).toEqual([
      { job: 'ns/x', writer: 'a', holders: ['b'], at: 31 },
    ]);
  });

  it('checks a stop written on a Job as a write of its own', () => {
    const jobs = [
      seen('ADDED', job('x', 15, { writer: 'a' })),
      seen('MODIFIED', job('x', 32, { writer: 'a', stopped: true })),
    ];
    expect(leaderCheck(jobs, terms).conflicts).toHaveLength(1);
  });

  it('calls a write seen late ambiguous when its interval spans a change of holder', () => {
    const jobs = [seen('ADDED', job('x', 35, { writer: 'a' }), 0, 25)];
    expect(leaderCheck(jobs, terms)).toEqual({ checked: 0, ambiguous: 1, conflicts: [] });
  });
});

describe('failoverTimes', () => {
  it('measures from the kill to the first other holder the test saw, Infinity when none came', () => {
    const events = [
      seen('MODIFIED', lease('a', 1), 100),
      seen('MODIFIED', lease('a', 2), 1_000),
      seen('MODIFIED', lease('b', 3), 9_000),
    ];
    expect(failoverTimes([{ identity: 'a', at: 1_500 }], events)).toEqual([7_500]);
    expect(failoverTimes([{ identity: 'b', at: 9_500 }], events)).toEqual([Number.POSITIVE_INFINITY]);
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 99), percentile([7], 99)]).toEqual([50, 99, 7]);
  });
});
