import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../client/resource.ts';
import { generationChanged, requestForControllerOwner, requestForObject } from './handlers.ts';

const suite = { group: 'bench.dev', kind: 'BenchmarkSuite' };

function owned(refs: NonNullable<KubeObject['metadata']['ownerReferences']>): KubeObject {
  return { metadata: { name: 'job-1', namespace: 'team', ownerReferences: refs } };
}

describe('requestForControllerOwner', () => {
  it('follows only the controller reference of the watched kind and group', () => {
    const job = owned([
      { apiVersion: 'bench.dev/v1alpha1', kind: 'BenchmarkSuite', name: 'not-controller', uid: '1' },
      { apiVersion: 'other.dev/v1', kind: 'BenchmarkSuite', name: 'other-group', uid: '2', controller: true },
      { apiVersion: 'bench.dev/v1alpha1', kind: 'BenchmarkSuite', name: 'mine', uid: '3', controller: true },
    ]);
    expect(requestForControllerOwner(job, suite)).toEqual([{ namespace: 'team', name: 'mine' }]);
  });

  it('ignores objects without a matching owner', () => {
    expect(requestForControllerOwner(owned([]), suite)).toEqual([]);
    expect(
      requestForControllerOwner(
        owned([{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: '1', controller: true }]),
        {
          group: '',
          kind: 'Pod',
        },
      ),
    ).toEqual([{ namespace: 'team', name: 'p' }]);
  });
});

describe('requestForObject', () => {
  it('maps namespaced and cluster-scoped objects to their own key', () => {
    expect(requestForObject({ metadata: { name: 'a', namespace: 'ns' } })).toEqual([
      { namespace: 'ns', name: 'a' },
    ]);
    expect(requestForObject({ metadata: { name: 'n' } })).toEqual([{ name: 'n' }]);
  });
});

describe('generationChanged', () => {
  const at = (generation?: number) => ({ metadata: { name: 'p', namespace: 'ns', generation } });

  it('drops status-only updates and passes spec changes', () => {
    expect(generationChanged(at(3), at(3))).toBe(false);
    expect(generationChanged(at(3), at(4))).toBe(true);
  });

  it('passes objects that carry no generation', () => {
    expect(generationChanged(at(), at())).toBe(true);
  });
});
