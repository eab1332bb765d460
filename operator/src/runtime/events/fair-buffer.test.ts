import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FairBuffer } from './fair-buffer.ts';

type Step = { push: string } | { shift: true };

/** Runs the steps on a buffer of `capacity`; items are `<key><n>`, n counting each key's pushes. */
function run(capacity: number, steps: Step[]) {
  const buffer = new FairBuffer<string>(capacity);
  const pushed = new Map<string, number>();
  const refused: string[] = [];
  const pushedOut: string[] = [];
  const taken: string[] = [];
  for (const step of steps) {
    if ('push' in step) {
      const n = pushed.get(step.push) ?? 0;
      pushed.set(step.push, n + 1);
      const result = buffer.push(step.push, `${step.push}${n}`);
      if (!result.accepted) refused.push(`${step.push}${n}`);
      else if (result.pushedOut) pushedOut.push(result.pushedOut);
    } else {
      const item = buffer.shift();
      if (item) taken.push(item);
    }
  }
  return { buffer, refused, pushedOut, taken };
}

const push = (key: string, times = 1): Step[] => Array.from({ length: times }, () => ({ push: key }));
const shift = (times = 1): Step[] => Array.from({ length: times }, () => ({ shift: true }));

describe('FairBuffer', () => {
  it.each([
    {
      what: 'a lone key uses the whole buffer, and its excess is refused',
      capacity: 3,
      steps: [...push('a', 5), ...shift(3)],
      refused: ['a3', 'a4'],
      pushedOut: [],
      taken: ['a0', 'a1', 'a2'],
    },
    {
      what: "a key with fewer items takes the place of the flooding key's newest",
      capacity: 4,
      steps: [...push('a', 4), ...push('b', 2), ...shift(4)],
      refused: [],
      pushedOut: ['a3', 'a2'],
      taken: ['a0', 'b0', 'a1', 'b1'],
    },
    {
      what: 'a key holding as many as any other is refused when full',
      capacity: 4,
      steps: [...push('a', 4), ...push('b', 3), ...shift(4)],
      refused: ['b2'],
      pushedOut: ['a3', 'a2'],
      taken: ['a0', 'b0', 'a1', 'b1'],
    },
    {
      what: 'keys take turns, each in its own order',
      capacity: 10,
      steps: [...push('a', 3), ...push('b', 1), ...push('c', 2), ...shift(6)],
      refused: [],
      pushedOut: [],
      taken: ['a0', 'b0', 'c0', 'a1', 'c1', 'a2'],
    },
  ])('$what', ({ capacity, steps, refused, pushedOut, taken }) => {
    const result = run(capacity, steps);
    expect(result.refused).toEqual(refused);
    expect(result.pushedOut).toEqual(pushedOut);
    expect(result.taken).toEqual(taken);
    expect(result.buffer.size).toBe(0);
    expect(result.buffer.shift()).toBeUndefined();
  });

  it('stays within its capacity, keeps each key in order, and refuses or pushes out only the key holding the most', () => {
    const keys = ['a', 'b', 'c', 'd'];
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...keys).map((key): Step => ({ push: key })) },
      { weight: 1, arbitrary: fc.constant<Step>({ shift: true }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(step, { maxLength: 120 }), (capacity, steps) => {
        const buffer = new FairBuffer<string>(capacity);
        // The model: what each key holds, oldest first.
        const held = new Map<string, string[]>(keys.map((key) => [key, []]));
        const pushes = new Map<string, number>();
        const total = () => [...held.values()].reduce((sum, items) => sum + items.length, 0);
        const most = () => Math.max(...[...held.values()].map((items) => items.length));
        for (const s of steps) {
          if ('push' in s) {
            const n = pushes.get(s.push) ?? 0;
            pushes.set(s.push, n + 1);
            const own = held.get(s.push)!;
            const full = total() >= capacity;
            const before = most();
            const busy = [...held.values()].filter((items) => items.length > 0).length || 1;
            const result = buffer.push(s.push, `${s.push}${n}`);
            if (!result.accepted) {
              expect(full, 'refused only when full').toBe(true);
              expect(own.length, 'refused only if its key holds the most').toBe(before);
              expect(own.length * busy, 'refused only beyond its fair part').toBeGreaterThanOrEqual(capacity);
              continue;
            }
            if (result.pushedOut !== undefined) {
              expect(full, 'pushes out only when full').toBe(true);
              const from = held.get(result.pushedOut[0]!)!;
              expect(from.length, 'pushes out from the key holding the most').toBe(before);
              expect(from.length, 'a key holding less').toBeGreaterThan(own.length);
              expect(from.pop(), "that key's newest").toBe(result.pushedOut);
            } else {
              expect(full, 'full: either refused or pushed out').toBe(false);
            }
            own.push(`${s.push}${n}`);
          } else {
            const item = buffer.shift();
            if (total() === 0) {
              expect(item).toBeUndefined();
              continue;
            }
            expect(item, "the oldest of the key's").toBe(held.get(item![0]!)!.shift());
          }
          expect(buffer.size).toBe(total());
          expect(buffer.size).toBeLessThanOrEqual(capacity);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('serves every waiting key before any key a second time', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 60 }), (keys) => {
        const buffer = new FairBuffer<string>(100);
        keys.forEach((key) => buffer.push(key, key));
        const taken: string[] = [];
        for (let item = buffer.shift(); item; item = buffer.shift()) taken.push(item);
        // Round r takes one item of every key that has more than r items.
        const counts = new Map<string, number>();
        for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
        const rounds: string[] = [];
        for (let round = 0; rounds.length < keys.length; round++)
          for (const key of counts.keys()) if (counts.get(key)! > round) rounds.push(key);
        expect(taken).toEqual(rounds);
      }),
    );
  });

  it('needs room for an item', () => {
    expect(() => new FairBuffer(0)).toThrow(/at least one item/);
  });
});
