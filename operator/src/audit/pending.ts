import type { DecisionRecord } from '../core/decisions/record.ts';
import { streamOf } from './batch.ts';

/** One record waiting for its acknowledgement, and where it is stored. */
export interface PendingRecord {
  batch: string;
  index: number;
  record: DecisionRecord;
}

/**
 * The outbox's records not yet acknowledged by the sink, by stream, in write order: batch names
 * sort in write order, then the order within the batch. Fed by the outbox informer (what every
 * replica sees in the API) and by the writer (its own batches, at once); a batch counts once
 * whichever comes first. When the last record of a batch is acknowledged, the batch can be
 * deleted; it is remembered as done until the informer sees it go, so a late informer event
 * cannot bring it back.
 */
export class PendingRecords {
  private readonly batches = new Map<string, number>();
  private readonly done = new Set<string>();
  private readonly streams = new Map<string, PendingRecord[]>();
  /** Pending records by the namespace of what they are about: each namespace has its share of the bound. */
  private readonly byNamespace = new Map<string, number>();
  private count = 0;
  private highest = '';

  /** Adds a batch's records; returns the streams that got records. A batch already known is ignored. */
  add(batch: string, records: DecisionRecord[]): string[] {
    if (this.batches.has(batch) || this.done.has(batch)) return [];
    if (batch > this.highest) this.highest = batch;
    if (records.length === 0) {
      this.done.add(batch);
      return [];
    }
    this.batches.set(batch, records.length);
    this.count += records.length;
    const touched = new Set<string>();
    records.forEach((record, index) => {
      const stream = streamOf(record);
      touched.add(stream);
      this.countIn(record, 1);
      const queue = this.streams.get(stream) ?? [];
      const entry = { batch, index, record };
      // Usually appended; a batch that arrives after a later one (two concurrent writers) is put in place.
      let at = queue.length;
      while (at > 0 && compare(queue[at - 1]!, entry) > 0) at--;
      queue.splice(at, 0, entry);
      this.streams.set(stream, queue);
    });
    return [...touched];
  }

  /** The batch is gone from the API: forget it (and whatever of it was still pending). */
  forget(batch: string): void {
    this.done.delete(batch);
    if (!this.batches.delete(batch)) return;
    for (const [stream, queue] of this.streams) {
      const kept = queue.filter((entry) => entry.batch !== batch);
      for (const entry of queue) if (entry.batch === batch) this.countIn(entry.record, -1);
      this.count -= queue.length - kept.length;
      if (kept.length) this.streams.set(stream, kept);
      else this.streams.delete(stream);
    }
  }

  /** The stream's next record to deliver. */
  head(stream: string): PendingRecord | undefined {
    return this.streams.get(stream)?.[0];
  }

  /** The sink accepted the record; returns its batch's name when that was the batch's last one. */
  acknowledge(entry: PendingRecord): string | undefined {
    const stream = streamOf(entry.record);
    const queue = this.streams.get(stream);
    const at = queue?.indexOf(entry) ?? -1;
    if (!queue || at < 0) return undefined;
    queue.splice(at, 1);
    if (queue.length === 0) this.streams.delete(stream);
    this.count--;
    this.countIn(entry.record, -1);
    const remaining = (this.batches.get(entry.batch) ?? 1) - 1;
    if (remaining > 0) {
      this.batches.set(entry.batch, remaining);
      return undefined;
    }
    this.batches.delete(entry.batch);
    this.done.add(entry.batch);
    return entry.batch;
  }

  /** Records not yet acknowledged. */
  get size(): number {
    return this.count;
  }

  /** Records of the namespace not yet acknowledged. */
  sizeOf(namespace: string): number {
    return this.byNamespace.get(namespace) ?? 0;
  }

  /** Each namespace with records not yet acknowledged, and how many. */
  namespaces(): IterableIterator<[string, number]> {
    return this.byNamespace.entries();
  }

  /** The greatest batch name seen: new batches must sort after it. */
  get highestBatch(): string {
    return this.highest;
  }

  private countIn(record: DecisionRecord, delta: number): void {
    const namespace = record.regarding.namespace;
    const count = (this.byNamespace.get(namespace) ?? 0) + delta;
    if (count > 0) this.byNamespace.set(namespace, count);
    else this.byNamespace.delete(namespace);
  }
}

function compare(a: PendingRecord, b: PendingRecord): number {
  if (a.batch !== b.batch) return a.batch < b.batch ? -1 : 1;
  return a.index - b.index;
}
