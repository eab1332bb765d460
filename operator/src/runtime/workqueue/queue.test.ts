import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue } from './queue.ts';

describe('Queue', () => {
  it('hands items out first in, first out', async () => {
    const queue = new Queue<string>();
    queue.add('a');
    queue.add('b');
    queue.add('c');
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(['a', 'b', 'c']);
  });

  it('processes an item added twice before processing once', async () => {
    const queue = new Queue<string>();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(queue.len()).toBe(0);
  });

  it('never gives an item being processed to a second worker, and re-queues it after done', async () => {
    const queue = new Queue<string>();
    queue.add('a');
    const first = await queue.get();
    queue.add('a');
    expect(queue.len(), 'a dirty item in processing is not queued').toBe(0);
    let second: string | undefined;
    void queue.get().then((item) => (second = item));
    await Promise.resolve();
    expect(second).toBeUndefined();
    queue.done(first!);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('wakes a waiting worker on add', async () => {
    const queue = new Queue<string>();
    const pending = queue.get();
    queue.add('x');
    expect(await pending).toBe('x');
  });

  it('shutDown wakes waiters with undefined, ignores adds and drops queued items', async () => {
    const queue = new Queue<string>();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    queue.add('late');
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it('shutDownWithDrain resolves only after in-flight items are done, without re-queueing dirty ones', async () => {
    const queue = new Queue<string>();
    queue.add('a');
    queue.add('b');
    const a = await queue.get();
    queue.add('a');
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    expect(await queue.get(), 'queued b is dropped').toBeUndefined();
    queue.done(a!);
    await drain;
    expect(drained).toBe(true);
    expect(queue.len()).toBe(0);
  });

  it('under any interleaving, no item is held by two workers and every added item is processed after its last add', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), item: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ kind: fc.constant('get' as const) }),
      fc.record({ kind: fc.constant('done' as const), index: fc.nat(5) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const queue = new Queue<string>();
        const held: string[] = [];
        const pendingAdd = new Set<string>();
        for (const step of ops) {
          if (step.kind === 'add') {
            queue.add(step.item);
            pendingAdd.add(step.item);
          } else if (step.kind === 'get') {
            if (queue.len() === 0) continue;
            const item = (await queue.get())!;
            expect(held).not.toContain(item);
            held.push(item);
            pendingAdd.delete(item);
          } else if (held.length > 0) {
            const [item] = held.splice(step.index % held.length, 1);
            queue.done(item!);
          }
        }
        for (const item of held.splice(0)) queue.done(item);
        while (queue.len() > 0) {
          const item = (await queue.get())!;
          pendingAdd.delete(item);
          queue.done(item);
        }
        expect([...pendingAdd]).toEqual([]);
      }),
    );
  });
});
