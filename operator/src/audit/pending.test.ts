import { describe, expect, it } from 'vitest';
import { auditRecord as record } from '../../../test/support/audit-records.ts';
import { PendingRecords } from './pending.ts';

const ids = (pending: PendingRecords, stream: string): string[] => {
  const seen: string[] = [];
  for (let head = pending.head(stream); head; head = pending.head(stream)) {
    seen.push(head.record.id);
    pending.acknowledge(head);
  }
  return seen;
};

describe('PendingRecords', () => {
  it('keeps each stream in write order, also when an earlier batch arrives after a later one', () => {
    const pending = new PendingRecords();
    expect(pending.add('bench-audit-2', [record('s1', 'a'), record('p1', 'b'), record('s2', 'a')])).toEqual([
      'ns/BenchmarkSuite.a',
      'ns/BenchmarkSuite.b',
    ]);
    pending.add('bench-audit-1', [record('s0', 'a')]);
    pending.add('bench-audit-3', [record('s3', 'a')]);
    expect(pending.size).toBe(5);
    expect(ids(pending, 'ns/BenchmarkSuite.a')).toEqual(['s0', 's1', 's2', 's3']);
    expect(ids(pending, 'ns/BenchmarkSuite.b')).toEqual(['p1']);
    expect(pending.size).toBe(0);
    expect(pending.highestBatch).toBe('bench-audit-3');
  });

  it('counts a batch once, whether the writer or the informer brings it first', () => {
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [record('x')]);
    expect(pending.add('bench-audit-1', [record('x')])).toEqual([]);
    expect(pending.size).toBe(1);
  });

  it('says when a batch is fully acknowledged, and ignores it until it is gone from the API', () => {
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [record('a1', 'a'), record('b1', 'b')]);
    expect(pending.acknowledge(pending.head('ns/BenchmarkSuite.a')!)).toBeUndefined();
    expect(pending.acknowledge(pending.head('ns/BenchmarkSuite.b')!)).toBe('bench-audit-1');
    // The informer's ADDED event for it may still come: it must not be delivered again.
    expect(pending.add('bench-audit-1', [record('a1', 'a'), record('b1', 'b')])).toEqual([]);
    pending.forget('bench-audit-1');
    expect(pending.size).toBe(0);
  });

  it('forgets the pending records of a batch deleted behind its back', () => {
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [record('a1', 'a'), record('a2', 'a')]);
    pending.add('bench-audit-2', [record('a3', 'a')]);
    pending.forget('bench-audit-1');
    expect(pending.size).toBe(1);
    expect(ids(pending, 'ns/BenchmarkSuite.a')).toEqual(['a3']);
  });

  it('does not acknowledge a record twice', () => {
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [record('a1'), record('a2')]);
    const head = pending.head('ns/BenchmarkSuite.s')!;
    pending.acknowledge(head);
    expect(pending.acknowledge(head)).toBeUndefined();
    expect(pending.size).toBe(1);
  });

  it('counts the pending records of each namespace through adds, acknowledgements and deletions', () => {
    const inNamespace = (namespace: string, id: string) => {
      const r = record(id);
      return { ...r, regarding: { ...r.regarding, namespace } };
    };
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [inNamespace('a', 'a1'), inNamespace('b', 'b1'), inNamespace('a', 'a2')]);
    pending.add('bench-audit-2', [inNamespace('b', 'b2')]);
    expect(Object.fromEntries(pending.namespaces())).toEqual({ a: 2, b: 2 });
    pending.acknowledge(pending.head('a/BenchmarkSuite.s')!);
    expect([pending.sizeOf('a'), pending.sizeOf('b'), pending.sizeOf('c')]).toEqual([1, 2, 0]);
    pending.forget('bench-audit-1');
    expect(Object.fromEntries(pending.namespaces())).toEqual({ b: 1 });
    pending.acknowledge(pending.head('b/BenchmarkSuite.s')!);
    expect([...pending.namespaces()]).toEqual([]);
  });
});
