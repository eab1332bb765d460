import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../client/resource.ts';
import { handInformer } from '../informer/hand-informer.ts';
import { FakeClock } from '../time/fake-clock.ts';
import { Controller, type Reconciler } from './controller.ts';
import { generationChanged } from './handlers.ts';
import type { Request } from './request.ts';

const logger = pino({ level: 'silent' });
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A controller over `reconcile`, which may answer at once (as Reconciler, it then resolves at once). */
function controllerWith(
  reconcile: (...args: Parameters<Reconciler>) => Awaited<ReturnType<Reconciler>> | ReturnType<Reconciler>,
  workers = 2,
) {
  const clock = new FakeClock();
  const registry = new Registry();
  const controller = new Controller({
    name: 'test',
    reconcile: async (request, context) => await reconcile(request, context),
    logger,
    workers,
    registry,
    clock,
  });
  return { controller, clock, registry };
}

const object = (generation: number, resourceVersion: string): KubeObject => ({
  metadata: { namespace: 'ns', name: 'a', generation, resourceVersion },
});

describe('Controller', () => {
  it('retries a failing key with backoff, and forgets it once it succeeds', async () => {
    let calls = 0;
    const { controller, clock, registry } = controllerWith(() => {
      calls++;
      if (calls < 3) throw new Error('not yet');
    });
    await controller.start();
    controller.queue.add('ns/a');
    await settle();
    expect(calls).toBe(1);
    clock.advance(5);
    await settle();
    expect(calls).toBe(2);
    clock.advance(9);
    await settle();
    expect(calls, 'second backoff is 10 ms').toBe(2);
    clock.advance(1);
    await settle();
    expect(calls).toBe(3);
    expect(controller.queue.numRequeues('ns/a')).toBe(0);

    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="error"} 2');
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="test"} 2');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="test"} 2');
    await controller.shutDown();
  });

  it('honours requeueAfter and passes the request and a reconcile id', async () => {
    const seen: Array<{ request: Request; id: string }> = [];
    const { controller, clock } = controllerWith((request, context) => {
      seen.push({ request, id: context.reconcileId });
      return { requeueAfterMs: 30_000 };
    });
    await controller.start();
    controller.queue.add('ns/a');
    await settle();
    clock.advance(29_999);
    await settle();
    expect(seen).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(seen).toHaveLength(2);
    expect(seen[0]?.request).toEqual({ namespace: 'ns', name: 'a' });
    expect(seen[0]?.id).not.toBe(seen[1]?.id);
    await controller.shutDown();
  });

  it('never reconciles one key on two workers at once, but reconciles it again after a change during reconcile', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    let release: () => void = () => {};
    const { controller } = controllerWith(async () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    }, 4);
    await controller.start();
    controller.queue.add('ns/a');
    await settle();
    controller.queue.add('ns/a');
    controller.queue.add('ns/a');
    await settle();
    expect(calls).toBe(1);
    release();
    await settle();
    expect(calls, 'the adds during the reconcile collapse into one more reconcile').toBe(2);
    release();
    await settle();
    expect(maxRunning).toBe(1);
    await controller.shutDown();
  });

  it('on stop, finishes in-flight reconciles and starts no new ones', async () => {
    const started: string[] = [];
    let finished = 0;
    let release: () => void = () => {};
    const { controller } = controllerWith(async (request) => {
      started.push(request.name);
      await new Promise<void>((resolve) => (release = resolve));
      finished++;
    }, 1);
    await controller.start();
    controller.queue.add('ns/a');
    controller.queue.add('ns/b');
    await settle();
    let ended = false;
    const stopping = controller.shutDown().then(() => (ended = true));
    await settle();
    expect(ended, 'shutDown waits for the reconcile in flight').toBe(false);
    release();
    await stopping;
    expect(started).toEqual(['a']);
    expect(finished).toBe(1);
  });

  it('on abort, aborts the signal of in-flight reconciles, which end as aborted: no error, no requeue, no new key', async () => {
    const signals: AbortSignal[] = [];
    const { controller, clock, registry } = controllerWith(
      (request, { signal }) =>
        new Promise((_, reject) => {
          signals.push(signal);
          signal.addEventListener('abort', () => reject(new Error(`write for ${request.name} cancelled`)));
        }),
      1,
    );
    await controller.start();
    controller.queue.add('ns/a');
    controller.queue.add('ns/b');
    await settle();
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);

    controller.abort('leadership ended');
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as Error).message).toBe('controller test: leadership ended');
    await controller.shutDown();
    clock.advance(60_000);
    await settle();
    expect(signals, 'the queued key is not handed out after the abort').toHaveLength(1);
    expect(controller.queue.numRequeues('ns/a'), 'not requeued with backoff').toBe(0);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="test"} 0');
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="error"} 0');
  });

  it('batches a burst of events for one key into one reconcile after the batch period', async () => {
    const seen: Request[] = [];
    const { controller, clock } = controllerWith((request) => void seen.push(request));
    const { informer, update } = handInformer();
    controller.watches(informer, (o) => [{ namespace: o.metadata.namespace!, name: 'owner' }], {
      batchPeriodMs: 1000,
    });
    await controller.start();
    for (let i = 1; i <= 5; i++) update(object(1, `${i}`), object(1, `${i + 1}`));
    await settle();
    expect(seen, 'nothing before the batch period ends').toHaveLength(0);
    clock.advance(1000);
    await settle();
    expect(seen).toEqual([{ namespace: 'ns', name: 'owner' }]);
    await controller.shutDown();
  });

  it('drops the updates its predicate rejects: generationChanged passes spec changes only', async () => {
    let calls = 0;
    const { controller } = controllerWith(() => void calls++);
    const { informer, update } = handInformer();
    controller.watches(informer, (o) => [{ namespace: 'ns', name: o.metadata.name! }], {
      updates: generationChanged,
    });
    await controller.start();
    update(object(1, '1'), object(1, '2'));
    await settle();
    expect(calls, 'a status-only update').toBe(0);
    update(object(1, '2'), object(2, '3'));
    await settle();
    expect(calls, 'a spec change').toBeGreaterThan(0);
    await controller.shutDown();
  });

  it('filters adds and deletes by their own predicates, as predicate.Funcs does', async () => {
    const seen: string[] = [];
    const { controller } = controllerWith((request) => void seen.push(request.name));
    const { informer, add, remove } = handInformer();
    const named = (name: string): KubeObject => ({ metadata: { namespace: 'ns', name } });
    controller.watches(informer, (o) => [{ namespace: 'ns', name: o.metadata.name! }], {
      creates: (o) => o.metadata.name !== 'quiet-add',
      deletes: (o) => o.metadata.name !== 'quiet-delete',
    });
    await controller.start();
    add(named('quiet-add'));
    remove(named('quiet-delete'));
    add(named('loud-add'));
    remove(named('loud-delete'));
    await settle();
    expect(seen.sort()).toEqual(['loud-add', 'loud-delete']);
    await controller.shutDown();
  });

  it('observes: calls the handler on every event and reconciles nothing for it', async () => {
    let calls = 0;
    const { controller } = controllerWith(() => void calls++);
    const { informer, add, update, remove } = handInformer();
    const events: string[] = [];
    controller.observes(informer, {
      onAdd: () => events.push('add'),
      onUpdate: () => events.push('update'),
      onDelete: () => events.push('delete'),
    });
    await controller.start();
    add(object(1, '1'));
    update(object(1, '1'), object(1, '2'));
    remove(object(1, '2'));
    await settle();
    expect(events).toEqual(['add', 'update', 'delete']);
    expect(calls).toBe(0);
    await controller.shutDown();
  });

  it('waitsFor: starts the workers only once that cache has synced', async () => {
    let calls = 0;
    const { controller } = controllerWith(() => void calls++);
    const watched = handInformer();
    let synced!: () => void;
    const waited = handInformer(new Promise<void>((resolve) => (synced = resolve)));
    controller.for(watched.informer).waitsFor(waited.informer);
    const started = controller.start();
    watched.add(object(1, '1'));
    await settle();
    expect(calls, 'no reconcile before the waited-for cache has synced').toBe(0);
    synced();
    await started;
    await settle();
    expect(calls).toBe(1);
    await controller.shutDown();
  });
});
