// The runtime's informer against a real watch: initial paginated list, live events, a relist after
// 410 Gone that reports what happened while disconnected (including deletes whose final state is
// unknown), and re-watching after a watch goes silent past the stall deadline.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import { Backoff } from '../../operator/src/runtime/informer/backoff.ts';
import { Informer } from '../../operator/src/runtime/informer/informer.ts';
import { listerWatcherFor, type ListerWatcher } from '../../operator/src/runtime/informer/lister-watcher.ts';
import { byLabel } from '../../operator/src/runtime/informer/store.ts';
import { compactEtcd } from '../support/etcd.ts';
import { kubectl } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { runtimeClient, testLogger } from '../support/runtime.ts';
import { waitFor } from '../support/wait.ts';
import { configMaps } from '../support/config-maps.ts';

const namespace = useNamespace('rt-informer');
interface Seen {
  kind: 'add' | 'update' | 'delete';
  name: string;
  finalStateUnknown?: boolean;
}

// Each test watches its own label, as the tests share the file's namespace.
async function createLabelled(name: string, selector: string): Promise<void> {
  await kubectl(['create', 'configmap', name], { namespace: namespace() });
  await kubectl(['label', 'configmap', name, selector], { namespace: namespace() });
}

/**
 * The real lister-watcher, with two test controls over the connection (the API server itself is
 * untouched): `disconnect()` drops the current watch as a network failure would and holds the
 * next one until `reconnect()`, and `resumeFromStale` makes the next watch start from
 * resourceVersion 1, which the API server answers with 410 Gone once etcd has compacted it.
 */
function controllableListerWatcher(client: KubeClient, selector: string) {
  const real = listerWatcherFor<KubeObject>(client, {
    type: configMaps,
    namespace: namespace(),
    labelSelector: selector,
  });
  let connection: AbortController | undefined;
  let held: { promise: Promise<void>; release: () => void } | undefined;
  const control = { watches: 0, lists: 0, resumeFromStale: false };
  const listerWatcher: ListerWatcher<KubeObject> = {
    list: (options) => {
      control.lists++;
      return real.list(options);
    },
    watch: async (options) => {
      await held?.promise;
      control.watches++;
      connection = new AbortController();
      const resourceVersion = control.resumeFromStale ? '1' : options.resourceVersion;
      control.resumeFromStale = false;
      return real.watch({
        ...options,
        resourceVersion,
        signal: AbortSignal.any([options.signal, connection.signal]),
      });
    },
  };
  return {
    listerWatcher,
    control,
    disconnect() {
      let release = () => {};
      held = { promise: new Promise<void>((resolve) => (release = resolve)), release: () => release() };
      connection?.abort(new Error('simulated connection loss'));
    },
    reconnect() {
      held?.release();
      held = undefined;
    },
  };
}

let running: Informer<KubeObject> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function startInformer(
  listerWatcher: ListerWatcher<KubeObject>,
  options: { pageSize?: number; stallTimeoutMs?: number } = {},
) {
  const seen: Seen[] = [];
  const informer = new Informer<KubeObject>({
    name: 'configmaps',
    logger: testLogger(),
    sources: [{ namespace: namespace(), listerWatcher }],
    indexers: { group: byLabel('group') },
    newBackoff: () => new Backoff({ initialMs: 100, maxMs: 1000 }),
    ...options,
  });
  informer.addEventHandler({
    onAdd: (o) => seen.push({ kind: 'add', name: o.metadata.name! }),
    onUpdate: (_, o) => seen.push({ kind: 'update', name: o.metadata.name! }),
    onDelete: (o, finalStateUnknown) =>
      seen.push({ kind: 'delete', name: o.metadata.name!, finalStateUnknown }),
  });
  informer.start();
  running = informer;
  return { informer, seen };
}

describe('the runtime informer', () => {
  it('lists page by page, syncs, then follows adds, updates and deletes; ignores unlabelled objects', async () => {
    const { client } = await runtimeClient();
    const selector = 'runtime-test=follow';
    for (const name of ['a', 'b', 'c', 'd', 'e']) await createLabelled(name, selector);
    await kubectl(['create', 'configmap', 'unlabelled'], { namespace: namespace() });
    const { listerWatcher, control } = controllableListerWatcher(client, selector);
    const { informer, seen } = startInformer(listerWatcher, { pageSize: 2 });
    await informer.waitForSync();
    expect(informer.store.keys().sort()).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => `${namespace()}/${n}`));
    expect(control.lists, 'five objects in pages of two').toBe(3);

    await createLabelled('f', selector);
    await kubectl(['label', 'configmap', 'a', 'group=x'], { namespace: namespace() });
    await kubectl(['delete', 'configmap', 'b'], { namespace: namespace() });
    await waitFor('add of f, update of a and delete of b', () => ({
      done:
        seen.some((s) => s.kind === 'add' && s.name === 'f') &&
        seen.some((s) => s.kind === 'update' && s.name === 'a') &&
        seen.some((s) => s.kind === 'delete' && s.name === 'b' && s.finalStateUnknown === false),
      seen,
    }));
    expect(informer.store.byIndex('group', 'x').map((o) => o.metadata.name)).toEqual(['a']);
    expect(informer.store.get(`${namespace()}/b`)).toBeUndefined();
    expect(seen.map((s) => s.name)).not.toContain('unlabelled');
  });

  it('relists after 410 Gone and reports what changed while disconnected, deletes as final state unknown', async () => {
    const { client } = await runtimeClient();
    const selector = 'runtime-test=relist';
    for (const name of ['keep', 'change', 'vanish']) await createLabelled(name, selector);
    const connection = controllableListerWatcher(client, selector);
    const { informer, seen } = startInformer(connection.listerWatcher);
    await informer.waitForSync();
    const listsAfterSync = connection.control.lists;

    connection.disconnect();
    await kubectl(['delete', 'configmap', 'vanish'], { namespace: namespace() });
    await kubectl(['label', 'configmap', 'change', 'group=y'], { namespace: namespace() });
    await createLabelled('appear', selector);
    await compactEtcd();
    seen.length = 0;
    connection.control.resumeFromStale = true;
    connection.reconnect();

    await waitFor('the relist to report the missed changes', () => ({
      done:
        seen.some((s) => s.kind === 'delete' && s.name === 'vanish' && s.finalStateUnknown === true) &&
        seen.some((s) => s.kind === 'update' && s.name === 'change') &&
        seen.some((s) => s.kind === 'add' && s.name === 'appear'),
      seen,
    }));
    expect(connection.control.lists, 'the stale watch was answered with 410 and led to a relist').toBe(
      listsAfterSync + 1,
    );
    expect(
      seen.filter((s) => s.name === 'keep'),
      'an unchanged object is not reported again',
    ).toEqual([]);
    expect(informer.store.keys().sort()).toEqual(
      ['appear', 'change', 'keep'].map((n) => `${namespace()}/${n}`),
    );

    await createLabelled('after-relist', selector);
    await waitFor('the informer to keep watching after the relist', () => ({
      done: seen.some((s) => s.kind === 'add' && s.name === 'after-relist'),
      seen,
    }));
  });

  it('replaces a watch that stays silent past the stall deadline and keeps following changes', async () => {
    const { client } = await runtimeClient();
    const selector = 'runtime-test=stall';
    const connection = controllableListerWatcher(client, selector);
    const { informer, seen } = startInformer(connection.listerWatcher, { stallTimeoutMs: 1000 });
    await informer.waitForSync();
    await waitFor('two silent watches to be abandoned', () => ({
      done: connection.control.watches >= 3,
      seen: { watches: connection.control.watches },
    }));
    expect(connection.control.lists, 'a stall re-watches from the last resourceVersion, no relist').toBe(1);
    await createLabelled('late', selector);
    await waitFor('the add after the stalls', () => ({ done: seen.some((s) => s.name === 'late'), seen }));
  });
});
