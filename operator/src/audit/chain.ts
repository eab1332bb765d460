/** A batch of the outbox as the sequence sees it. */
export interface ChainBatch {
  name: string;
  sequence: number;
  /** Every record of it has been acknowledged by the sink (as far as this replica knows). */
  delivered: boolean;
}

/** Sequences missing from `from` to `to`, both included. */
export interface SequenceRange {
  from: number;
  to: number;
}

function bySequence(a: ChainBatch, b: ChainBatch): number {
  return a.sequence - b.sequence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The batches the delivery may delete: the delivered ones at the start of the sequence, but the
 * last of them, which is kept. Deleting in sequence order keeps the outbox one unbroken run of
 * sequences, from the kept batch to the newest; so a hole in it is a batch deleted by someone
 * else, whoever leads, and the kept batch tells a new leader where the run starts.
 */
export function deletable(batches: Iterable<ChainBatch>): string[] {
  const sorted = [...batches].sort(bySequence);
  let prefix = 0;
  while (prefix < sorted.length && sorted[prefix]!.delivered) prefix++;
  return sorted.slice(0, Math.max(0, prefix - 1)).map((batch) => batch.name);
}

/** The sequences missing between the lowest and the highest of `sequences`, as ranges. */
export function missingRanges(sequences: Iterable<number>): SequenceRange[] {
  const sorted = [...new Set(sequences)].sort((a, b) => a - b);
  const ranges: SequenceRange[] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]! > sorted[i - 1]! + 1) ranges.push({ from: sorted[i - 1]! + 1, to: sorted[i]! - 1 });
  }
  return ranges;
}

/** `sequence 5` or `sequences 5-7`. */
export function describeRange({ from, to }: SequenceRange): string {
  return from === to ? `sequence ${from}` : `sequences ${from}-${to}`;
}

/**
 * The outbox's sequence as this replica sees it: the batches verified present, those this replica
 * deletes itself, and the gaps already reported (each once). Sequences are contiguous: a writer
 * takes the highest it knows plus one, so a missing number is a batch that was there.
 */
export class OutboxChain {
  private readonly batches = new Map<string, ChainBatch>();
  private readonly removing = new Set<string>();
  private readonly reported = new Set<number>();
  private highest = 0;
  private changed = false;

  /** A batch verified in the outbox, or just written. */
  add(name: string, sequence: number, delivered = false): void {
    if (!this.batches.has(name)) this.batches.set(name, { name, sequence, delivered });
    this.highest = Math.max(this.highest, sequence);
    this.changed = true;
  }

  /** The highest sequence written or seen: the next batch takes the one after it. */
  get highestSequence(): number {
    return this.highest;
  }

  /** The sink acknowledged the whole batch; returns the batches to delete now (each once). */
  delivered(name: string): string[] {
    const batch = this.batches.get(name);
    if (batch) batch.delivered = true;
    const names = deletable(this.batches.values()).filter((n) => !this.removing.has(n));
    for (const n of names) this.removing.add(n);
    return names;
  }

  /**
   * The batch is gone from the API. Returns its sequence when that is a loss to report: this
   * replica leads and saw the deletion as it happened (`watching`; a standby does not know what
   * was delivered), did not delete it and had not seen all its records acknowledged.
   */
  gone(name: string, watching: boolean): number | undefined {
    const batch = this.batches.get(name);
    this.batches.delete(name);
    const ours = this.removing.delete(name);
    this.changed = true;
    if (!batch || ours || batch.delivered || !watching || this.reported.has(batch.sequence)) return undefined;
    this.reported.add(batch.sequence);
    return batch.sequence;
  }

  /**
   * Holes in the run of sequences present, not reported yet: batches deleted while no replica
   * that knew them led (found by a new leader), or that this one did not see go.
   */
  gaps(): SequenceRange[] {
    if (!this.changed) return [];
    this.changed = false;
    const present = [...this.batches.values()].map((batch) => batch.sequence);
    const fresh: SequenceRange[] = [];
    for (const range of missingRanges(present)) {
      let start: number | undefined;
      for (let s = range.from; s <= range.to + 1; s++) {
        const report = s <= range.to && !this.reported.has(s);
        if (report && start === undefined) start = s;
        if (!report && start !== undefined) {
          fresh.push({ from: start, to: s - 1 });
          start = undefined;
        }
        if (report) this.reported.add(s);
      }
    }
    return fresh;
  }
}
