import pino from 'pino';
import { Response } from 'undici';
import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectList } from '../client/resource.ts';
import { FakeClock } from '../time/fake-clock.ts';
import { Informer, LAST_APPLIED_ANNOTATION, stripApplyBookkeeping } from './informer.ts';

describe('Informer', () => {
  it('syncs from an empty metadata-only list, whose items the API server sends as null', async () => {
    const informer = new Informer<KubeObject>({
      name: 'rounds',
      logger: pino({ level: 'silent' }),
      clock: new FakeClock(),
      sources: [
        {
          listerWatcher: {
            list: () =>
              Promise.resolve({
                kind: 'PartialObjectMetadataList',
                metadata: { resourceVersion: '7' },
                items: null,
              } as unknown as ObjectList<KubeObject>),
            // A watch the server ends at once: the informer then waits (on the fake clock) to watch again.
            watch: () => Promise.resolve(new Response('')),
          },
        },
      ],
    });
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(5000));
    expect(informer.store.size()).toBe(0);
    expect(informer.lastSyncResourceVersions()).toEqual({ '': '7' });
    await informer.stop();
  });
});

describe('stripApplyBookkeeping', () => {
  it('drops managedFields and the last-applied annotation, and keeps the other annotations', () => {
    const object: KubeObject = {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: {
        name: 's',
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
        annotations: { [LAST_APPLIED_ANNOTATION]: '{"spec":{}}', 'bench.dev/requested-at': 'now' },
      },
    };
    expect(stripApplyBookkeeping(object).metadata).toEqual({
      name: 's',
      annotations: { 'bench.dev/requested-at': 'now' },
    });
  });
});
