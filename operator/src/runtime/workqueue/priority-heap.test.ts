import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriorityHeap } from './priority-heap.ts';

interface Keyed {
  key: number;
}

const byKey = (a: Keyed, b: Keyed): boolean => a.key < b.key;

function drain<T>(heap: PriorityHeap<T>): T[] {
  const out: T[] = [];
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) out.push(e);
  return out;
}

describe('PriorityHeap', () => {
  it('pops elements in key order for any input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 60 }), (keys) => {
        const heap = new PriorityHeap<Keyed>(byKey);
        for (const key of keys) heap.push({ key });
        expect(heap.size()).toBe(keys.length);
        expect(drain(heap).map((e) => e.key)).toEqual([...keys].sort((a, b) => a - b));
        expect(heap.pop()).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps order when keys change in place and fix is called, interleaved with pops', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), key: fc.integer({ min: 0, max: 100 }) }),
      fc.record({
        kind: fc.constant('rekey' as const),
        pick: fc.nat(),
        key: fc.integer({ min: 0, max: 100 }),
      }),
      fc.record({ kind: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const heap = new PriorityHeap<Keyed>(byKey);
        const model: Keyed[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            const e = { key: o.key };
            heap.push(e);
            model.push(e);
          } else if (o.kind === 'rekey') {
            if (model.length === 0) continue;
            const e = model[o.pick % model.length] as Keyed;
            e.key = o.key;
            heap.fix(e);
          } else {
            const min = model.length === 0 ? undefined : Math.min(...model.map((e) => e.key));
            const popped = heap.pop();
            expect(popped?.key).toBe(min);
            if (popped) model.splice(model.indexOf(popped), 1);
          }
          expect(heap.peek()?.key).toBe(
            model.length === 0 ? undefined : Math.min(...model.map((e) => e.key)),
          );
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('uses O(n log n) comparisons to push and pop n elements', () => {
    let comparisons = 0;
    const heap = new PriorityHeap<Keyed>((a, b) => {
      comparisons++;
      return a.key < b.key;
    });
    const n = 4096;
    // A fixed pseudo-random sequence keeps the count reproducible.
    let seed = 42;
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      heap.push({ key: seed });
    }
    expect(drain(heap)).toHaveLength(n);
    // A sift is at most log2(n) levels, one comparison up and two down per level; a scan per add
    // (the earlier delaying queue) would be n²/2 ≈ 8.4 million.
    expect(comparisons).toBeLessThanOrEqual(3 * n * Math.log2(n));
  });

  it('refuses an element pushed twice or fixed while absent', () => {
    const heap = new PriorityHeap<Keyed>(byKey);
    const e = { key: 1 };
    heap.push(e);
    expect(() => heap.push(e)).toThrow(/already/);
    heap.pop();
    expect(() => heap.fix(e)).toThrow(/not in the heap/);
  });

  it('is empty after clear', () => {
    const heap = new PriorityHeap<Keyed>(byKey);
    heap.push({ key: 1 });
    heap.push({ key: 2 });
    heap.clear();
    expect(heap.size()).toBe(0);
    expect(heap.peek()).toBeUndefined();
    const e = { key: 3 };
    heap.push(e);
    expect(heap.pop()).toBe(e);
  });
});
