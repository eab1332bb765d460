import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../client/resource.ts';
import { FakeClock } from '../time/fake-clock.ts';
import { handInformer } from '../informer/hand-informer.ts';
import { Controller, type ReconcileContext } from './controller.ts';
import { SingletonController, singletonReconcile } from './singleton.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));
const object = (name: string, generation = 1): KubeObject => ({
  metadata: { namespace: 'ns', name, generation },
});

/** A singleton whose reconcile waits for the test to let it finish. */
function singleton() {
  const passes: Array<{ context: ReconcileContext; finish: () => void }> = [];
  const controller = new Controller({
    name: 'scheduler',
    workers: 1,
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    clock: new FakeClock(),
    reconcile: singletonReconcile(
      (context) => new Promise<void>((finish) => passes.push({ context, finish: () => finish() })),
    ),
  });
  return { controller, singleton: new SingletonController(controller), passes };
}

describe('SingletonController', () => {
  it('wakes its one reconcile for events of every watched cache, and coalesces those during a pass into one more', async () => {
    const { controller, singleton: s, passes } = singleton();
    const jobs = handInformer();
    const policies = handInformer();
    s.watches(jobs.informer).watches(policies.informer);
    await controller.start();
    jobs.add(object('j1'));
    await settle();
    expect(passes).toHaveLength(1);
    jobs.add(object('j2'));
    policies.update(object('p'), object('p', 2));
    s.trigger();
    await settle();
    expect(passes, 'never two passes at once').toHaveLength(1);
    passes[0]!.finish();
    await settle();
    expect(passes, 'the events during the pass bring exactly one more').toHaveLength(2);
    passes[1]!.finish();
    await settle();
    expect(passes).toHaveLength(2);
    await controller.shutDown();
  });

  it('passes its predicates on: only the events that concern it wake it', async () => {
    const { controller, singleton: s, passes } = singleton();
    const suites = handInformer();
    s.watches(suites.informer, {
      updates: (previous, current) => previous.metadata.generation !== current.metadata.generation,
    });
    await controller.start();
    suites.update(object('s'), object('s'));
    await settle();
    expect(passes, 'a status-only update').toHaveLength(0);
    suites.update(object('s'), object('s', 2));
    await settle();
    expect(passes).toHaveLength(1);
    passes[0]!.finish();
    await controller.shutDown();
  });
});
