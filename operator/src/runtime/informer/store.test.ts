import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../client/resource.ts';
import { diffRelist } from './relist-diff.ts';
import { byLabel, byNamespace, byOwnerUid, Store } from './store.ts';

function job(name: string, suite: string, rv = '1', owner = 'uid-1'): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'ns',
      resourceVersion: rv,
      labels: { 'bench.dev/suite': suite },
      ownerReferences: [
        { apiVersion: 'bench.dev/v1alpha1', kind: 'BenchmarkSuite', name: suite, uid: owner },
      ],
    },
  };
}

describe('Store', () => {
  it('keeps indexes in step with upserts and removals', () => {
    const store = new Store<KubeObject>({
      suite: byLabel('bench.dev/suite'),
      owner: byOwnerUid,
      namespace: byNamespace,
    });
    store.upsert(job('j1', 's1'));
    store.upsert(job('j2', 's1'));
    store.upsert(job('j3', 's2', '1', 'uid-2'));
    expect(
      store
        .byIndex('suite', 's1')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['j1', 'j2']);
    expect(store.byIndex('owner', 'uid-2').map((o) => o.metadata.name)).toEqual(['j3']);

    store.upsert(job('j1', 's2', '2'));
    expect(store.byIndex('suite', 's1').map((o) => o.metadata.name)).toEqual(['j2']);
    expect(
      store
        .byIndex('suite', 's2')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['j1', 'j3']);

    expect(store.remove('ns/j3')?.metadata.name).toBe('j3');
    expect(store.byIndex('owner', 'uid-2')).toEqual([]);
    expect(store.byIndex('namespace', 'ns')).toHaveLength(2);
    expect(store.getByName('ns', 'j1')?.metadata.resourceVersion).toBe('2');
    expect(() => store.byIndex('nope', 'x')).toThrow();
    store.addIndexer('late', byLabel('bench.dev/suite'));
    expect(store.byIndex('late', 's2').map((o) => o.metadata.name)).toEqual(['j1']);
  });
});

describe('diffRelist', () => {
  it('reports new, changed and vanished objects, and nothing for unchanged ones', () => {
    const cached = new Map<string, KubeObject>([
      ['ns/same', job('same', 's', '5')],
      ['ns/changed', job('changed', 's', '5')],
      ['ns/gone', job('gone', 's', '5')],
    ]);
    const diff = diffRelist(cached, [job('same', 's', '5'), job('changed', 's', '7'), job('new', 's', '8')]);
    expect(diff.added.map((o) => o.metadata.name)).toEqual(['new']);
    expect(
      diff.updated.map((u) => [u.previous.metadata.resourceVersion, u.current.metadata.resourceVersion]),
    ).toEqual([['5', '7']]);
    expect(diff.deleted.map((o) => o.metadata.name)).toEqual(['gone']);
  });
});
