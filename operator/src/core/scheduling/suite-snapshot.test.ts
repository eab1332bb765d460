import { describe, expect, it } from 'vitest';
import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { suite } from '../suite/test-suite.ts';
import { suiteRuns } from './suite-snapshot.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('suiteRuns', () => {
  it('places each run on its target and judge, one shared placement per target, model and judge', () => {
    const s = suite({ round: 1, roundGeneration: 1 });
    delete s.spec.schedulePolicyRef;
    s.spec.targets = [
      { name: 't', providerRef: 'p', model: 'm' },
      { name: 'u', providerRef: 'p', model: 'n' },
    ];
    s.spec.benchmarks = [
      { name: 'a' },
      { name: 'b' },
      { name: 'c', judge: { providerRef: 'graders', model: 'j' } },
    ];
    const provider = { spec: {} } as ProviderPolicy;
    const runs = suiteRuns({
      suite: s,
      jobs: [],
      podsOfJob: () => [],
      pendingAttempts: [],
      providers: new Map([
        ['p', provider],
        ['graders', provider],
      ]),
      roundRecords: [],
      now: NOW,
    });
    expect(runs, 'round 1 is under way and nothing stalls the suite').toBeDefined();
    const placementOf = (name: string) => runs!.placements[runs!.runs.findIndex((r) => r.spec.name === name)];
    expect(runs!.placements).toHaveLength(6);
    expect(placementOf('a-t')).toEqual({ provider: 'ns/p', model: 'm' });
    expect(placementOf('a-u')).toEqual({ provider: 'ns/p', model: 'n' });
    expect(placementOf('c-t')).toEqual({ provider: 'ns/p', model: 'm', judge: 'ns/graders' });
    expect(placementOf('b-t'), 'same target, model and judge: the same object').toBe(placementOf('a-t'));
    expect(placementOf('b-u')).toBe(placementOf('a-u'));
    expect(placementOf('c-t')).not.toBe(placementOf('a-t'));
    expect(new Set(runs!.placements).size).toBe(4);
  });
});
