import { describe, expect, it } from 'vitest';
import { auditRecord as record } from '../../../test/support/audit-records.ts';
import { batchName, decodeBatch, encodeBatches, RECORDS_KEY, sequenceOf, streamOf } from './batch.ts';

describe('outbox batches', () => {
  it('deliver each suite and each ProviderPolicy as a stream of its own', () => {
    expect(streamOf(record('a', 'nightly'))).toBe('ns/BenchmarkSuite.nightly');
    expect(streamOf(record('a', 'nightly', 'ProviderPolicy'))).toBe('ns/ProviderPolicy.nightly');
  });

  it('are named so they sort in write order, by sequence then writer', () => {
    const early = batchName(1_795_348_800_000_000, 'pod-a');
    const late = batchName(1_795_348_800_000_001, 'pod-b');
    expect(early).toMatch(/^bench-audit-1795348800000000-[0-9a-f]{6}$/);
    expect(early < late).toBe(true);
    expect(batchName(5, 'pod-a') < batchName(10, 'pod-a')).toBe(true);
    expect(sequenceOf(late)).toBe(1_795_348_800_000_001);
    expect(sequenceOf('kube-root-ca.crt')).toBeUndefined();
    expect(batchName(1, 'pod-a')).not.toBe(batchName(1, 'pod-b'));
  });

  it('hold the records of one write in order, cut below the size limit', () => {
    const records = Array.from({ length: 50 }, (_, i) => record(`r${String(i).padStart(2, '0')}`));
    const single = encodeBatches(records);
    expect(single).toHaveLength(1);
    expect(decodeBatch({ [RECORDS_KEY]: single[0]!.text })).toEqual(records);

    const lineBytes = Buffer.byteLength(JSON.stringify(records[0])) + 1;
    const cut = encodeBatches(records, lineBytes * 20);
    expect(cut.map((b) => b.records.length)).toEqual([20, 20, 10]);
    expect(cut.flatMap((b) => decodeBatch({ [RECORDS_KEY]: b.text }))).toEqual(records);
    for (const batch of cut) expect(Buffer.byteLength(batch.text)).toBeLessThanOrEqual(lineBytes * 20);
    // A record larger than the limit stands alone rather than being lost.
    expect(encodeBatches(records.slice(0, 2), 10).map((b) => b.records.length)).toEqual([1, 1]);
    expect(encodeBatches([])).toEqual([]);
  });

  it('that someone changed are reported, naming the line', () => {
    expect(() => decodeBatch({})).toThrow(/no records.jsonl key/);
    expect(() => decodeBatch({ [RECORDS_KEY]: `${JSON.stringify(record('a'))}\n{oops` })).toThrow(
      /line 2 is not JSON/,
    );
    expect(() => decodeBatch({ [RECORDS_KEY]: '{"id":"x"}' })).toThrow(/line 1 is not an audit record/);
  });
});
