import type { RunState } from '../suite/run-state.ts';
import type { SuiteSnapshot } from './engine.ts';

/** A suite as the candidate order needs it: its snapshot and its runs in use before the pass. */
export interface CandidateSuite {
  snapshot: SuiteSnapshot;
  use: { inUse: number };
}

/**
 * Admissible runs in admission order. Within a priority level this is a fair merge: each step
 * takes the next run of the suite with the fewest runs in use so far (then the oldest suite), so
 * one large suite cannot starve the others. `visit` is given the run's index in its suite's
 * runs, and says whether it admitted the run, or 'stop' to end the walk there (that run not
 * visited). Returns whether it was stopped.
 */
export function forEachCandidate<S extends CandidateSuite>(
  suites: S[],
  visit: (suite: S, index: number) => boolean | 'stop',
): boolean {
  // Entries of one shape (every field always present), so the comparison stays monomorphic.
  const levels = new Map<number, Array<Entry<S>>>();
  for (const suite of suites) {
    const runs = suite.snapshot.runs;
    const next = nextAdmissible(runs, 0);
    if (next === runs.length) continue;
    const level = levels.get(suite.snapshot.priority) ?? [];
    level.push({
      suite,
      runs,
      next,
      use: suite.use.inUse,
      servedAt: suite.snapshot.lastAdmittedAt ?? -Infinity,
    });
    levels.set(suite.snapshot.priority, level);
  }
  for (const priority of [...levels.keys()].sort((a, b) => b - a)) {
    const heap = new MinHeap(levels.get(priority)!, fairShare);
    for (let entry = heap.pop(); entry; entry = heap.pop()) {
      // A deferred run leaves its suite's weight as it was, so the suite would come straight back
      // to the top: its runs are visited in a row until one is admitted (its use grows), and only
      // then does the suite go back into the heap with its new weight.
      const runs = entry.runs;
      while (entry.next < runs.length) {
        const index = entry.next;
        const visited = visit(entry.suite, index);
        if (visited === 'stop') return true;
        entry.next = nextAdmissible(runs, index + 1);
        if (!visited) continue;
        entry.use++;
        entry.servedAt = Infinity; // served in this pass: last in its tie
        if (entry.next < runs.length) heap.push(entry);
        break;
      }
    }
  }
  return false;
}

/** The index of the first admissible run at or after `from`, or the number of runs if none. */
function nextAdmissible(runs: RunState[], from: number): number {
  let i = from;
  while (i < runs.length && !runs[i]!.admissible) i++;
  return i;
}

interface Entry<S extends CandidateSuite> {
  suite: S;
  runs: RunState[];
  /** The index of its next admissible run. */
  next: number;
  use: number;
  servedAt: number;
}

/** Fewest runs in use first, then the suite served longest ago, then the oldest suite, then by key. */
function fairShare(a: Entry<CandidateSuite>, b: Entry<CandidateSuite>): number {
  const byUse = a.use - b.use;
  if (byUse !== 0) return byUse;
  if (a.servedAt !== b.servedAt) return a.servedAt < b.servedAt ? -1 : 1;
  const x = a.suite.snapshot;
  const y = b.suite.snapshot;
  if (x.createdAt !== y.createdAt) return x.createdAt - y.createdAt;
  return x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
}

/** A binary min-heap; the comparison is read on every push/pop, so changing weights are honoured for re-inserted items. */
class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => number;
  constructor(items: T[], less: (a: T, b: T) => number) {
    this.less = less;
    for (const item of items) this.push(item);
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(item, items[parent]!) >= 0) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      // Sift the last item down from the root, moving smaller children up into the hole.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = l < items.length && this.less(items[l]!, last) < 0 ? l : -1;
        if (r < items.length && this.less(items[r]!, smallest === -1 ? last : items[l]!) < 0) smallest = r;
        if (smallest === -1) break;
        items[i] = items[smallest]!;
        i = smallest;
      }
      items[i] = last;
    }
    return top;
  }
}
