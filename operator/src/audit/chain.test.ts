import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchName } from './batch.ts';
import { deletable, describeRange, missingRanges, OutboxChain, type ChainBatch } from './chain.ts';

const batch = (sequence: number, delivered: boolean, writer = 'pod-a'): ChainBatch => ({
  name: batchName(sequence, writer),
  sequence,
  delivered,
});

describe('deletable', () => {
  it('is the delivered start of the sequence but its last batch, whatever order the batches come in', () => {
    expect(
      deletable([batch(3, true), batch(1, true), batch(2, true), batch(4, false), batch(5, true)]),
    ).toEqual([batch(1, true).name, batch(2, true).name]);
    expect(deletable([batch(1, true)])).toEqual([]);
    expect(deletable([batch(1, false), batch(2, true)])).toEqual([]);
    expect(deletable([])).toEqual([]);
    // Two writers that took the same number at a leader change: both are part of the sequence.
    expect(deletable([batch(2, true, 'pod-b'), batch(2, true, 'pod-a'), batch(3, true)])).toHaveLength(2);
  });
});

describe('missingRanges', () => {
  it('names the holes between the lowest and the highest sequence', () => {
    expect(missingRanges([1, 2, 5, 7, 8, 9, 12])).toEqual([
      { from: 3, to: 4 },
      { from: 6, to: 6 },
      { from: 10, to: 11 },
    ]);
    expect(missingRanges([4, 4, 5])).toEqual([]);
    expect(missingRanges([])).toEqual([]);
    expect(describeRange({ from: 6, to: 6 })).toBe('sequence 6');
    expect(describeRange({ from: 3, to: 4 })).toBe('sequences 3-4');
  });

  it('with the sequences given, covers every number from the lowest to the highest exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 60 }),
        (sequences) => {
          const covered = new Set(sequences);
          for (const { from, to } of missingRanges(sequences)) {
            expect(from).toBeLessThanOrEqual(to);
            for (let s = from; s <= to; s++) {
              expect(covered.has(s)).toBe(false);
              covered.add(s);
            }
          }
          const low = Math.min(...sequences);
          const high = Math.max(...sequences);
          expect(covered.size).toBe(high - low + 1);
        },
      ),
      { numRuns: 500 },
    );
  });
});

type Step = { op: 'write' } | { op: 'acknowledge'; pick: number } | { op: 'delete by hand'; pick: number };

const steps = fc.array(
  fc.oneof(
    fc.constant<Step>({ op: 'write' }),
    fc.nat().map<Step>((pick) => ({ op: 'acknowledge', pick })),
    fc.nat().map<Step>((pick) => ({ op: 'delete by hand', pick })),
  ),
  { maxLength: 80 },
);

describe('the outbox sequence', () => {
  it('reports exactly the batches deleted by hand before delivery, to the leader, and never one the delivery deleted', () => {
    fc.assert(
      fc.property(steps, fc.boolean(), (script, leading) => {
        const chain = new OutboxChain();
        // The API's view: batch name -> sequence, and which of them the sink acknowledged.
        const present = new Map<string, number>();
        const acknowledged = new Set<string>();
        const lost = new Set<number>();
        const byHand = new Set<number>();
        const reported = new Set<number>();
        const go = (name: string) => {
          present.delete(name);
          const sequence = chain.gone(name, leading);
          if (sequence !== undefined) reported.add(sequence);
        };
        for (const step of script) {
          if (step.op === 'write') {
            const sequence = chain.highestSequence + 1;
            const name = batchName(sequence, 'pod-a');
            chain.add(name, sequence);
            present.set(name, sequence);
            continue;
          }
          const names = [...present.keys()];
          if (names.length === 0) continue;
          const name = names[step.pick % names.length]!;
          if (step.op === 'acknowledge') {
            if (acknowledged.has(name)) continue;
            acknowledged.add(name);
            for (const deleted of chain.delivered(name)) go(deleted);
          } else {
            if (!acknowledged.has(name)) lost.add(present.get(name)!);
            byHand.add(present.get(name)!);
            go(name);
          }
        }
        expect([...reported].sort()).toEqual(leading ? [...lost].sort() : []);
        // The delivery keeps the outbox one run from the last delivered batch: a hole is a batch
        // deleted by hand (before delivery, unless someone deleted a delivered one out of turn).
        const holes = missingRanges(present.values()).flatMap(({ from, to }) =>
          Array.from({ length: to - from + 1 }, (_, i) => from + i),
        );
        for (const hole of holes) expect(byHand.has(hole)).toBe(true);

        // A new leader knows only what is in the outbox: it finds every loss between the lowest and
        // the highest batch there, and nothing the delivery deleted.
        const next = new OutboxChain();
        for (const [name, sequence] of present) next.add(name, sequence);
        const found = next
          .gaps()
          .flatMap(({ from, to }) => Array.from({ length: to - from + 1 }, (_, i) => from + i));
        expect(found.sort()).toEqual(holes.sort());
        expect(next.gaps(), 'each gap is reported once').toEqual([]);
        const sequences = [...present.values()];
        for (const sequence of lost) {
          if (sequence > Math.min(...sequences) && sequence < Math.max(...sequences))
            expect(found).toContain(sequence);
        }
        // It continues the sequence after the highest batch there.
        expect(next.highestSequence).toBe(sequences.length ? Math.max(...sequences) : 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the last delivered batch, so a batch deleted by hand after it is a hole a new leader sees', () => {
    const chain = new OutboxChain();
    const names = [1, 2, 3, 4].map((s) => batchName(s, 'pod-a'));
    names.forEach((name, i) => chain.add(name, i + 1));
    expect(chain.delivered(names[1]!)).toEqual([]);
    expect(chain.delivered(names[0]!)).toEqual([names[0]]);
    expect(chain.gone(names[0]!, true)).toBeUndefined();
    expect(chain.gaps()).toEqual([]);
    // Batch 3 (not delivered) deleted by hand: the leader sees it go; a new leader sees 2 and 4.
    expect(chain.gone(names[2]!, true)).toBe(3);
    expect(chain.gaps(), 'already reported').toEqual([]);
    const next = new OutboxChain();
    next.add(names[1]!, 2);
    next.add(names[3]!, 4);
    expect(next.gaps()).toEqual([{ from: 3, to: 3 }]);
    expect(next.highestSequence).toBe(4);
  });
});
