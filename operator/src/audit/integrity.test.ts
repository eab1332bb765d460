import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../../test/support/audit-records.ts';
import { batchName, RECORDS_KEY } from './batch.ts';
import { batchMac, MAC_ANNOTATION, verifyBatch, WRITER_ANNOTATION, type StoredBatch } from './integrity.ts';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const TEXT = [auditRecord('a'), auditRecord('b')].map((r) => JSON.stringify(r)).join('\n');

/** A batch as the outbox writes it. */
function written(sequence = 7, writer = 'pod-a', text = TEXT, key = KEY): StoredBatch {
  const name = batchName(sequence, writer);
  const mac = batchMac(key, { namespace: 'ops', name, sequence, writer, text });
  return {
    metadata: { name, namespace: 'ops', annotations: { [WRITER_ANNOTATION]: writer, [MAC_ANNOTATION]: mac } },
    data: { [RECORDS_KEY]: text },
  };
}

describe('outbox batch MACs', () => {
  it('let the operator read back what it wrote', () => {
    expect(verifyBatch(KEY, written())).toEqual({
      verified: true,
      sequence: 7,
      writer: 'pod-a',
      records: [auditRecord('a'), auditRecord('b')],
    });
  });

  it('refuse a ConfigMap with no MAC, one made with another key, and one of another shape', () => {
    const unsigned = written();
    delete unsigned.metadata.annotations![MAC_ANNOTATION];
    expect(verifyBatch(KEY, unsigned)).toMatchObject({ verified: false, reason: 'unsigned' });
    expect(
      verifyBatch(KEY, written(7, 'pod-a', TEXT, Buffer.from('another key, 32 bytes long......'))),
    ).toMatchObject({ verified: false, reason: 'mismatch' });
    const garbage = written();
    garbage.metadata.annotations![MAC_ANNOTATION] = 'not hex';
    expect(verifyBatch(KEY, garbage)).toMatchObject({ verified: false, reason: 'mismatch' });
    expect(verifyBatch(KEY, { ...written(), data: {} })).toMatchObject({
      verified: false,
      reason: 'malformed',
      detail: 'it has no records.jsonl key',
    });
    const renamed = written();
    renamed.metadata.name = 'bench-audit-evil';
    expect(verifyBatch(KEY, renamed)).toMatchObject({ verified: false, reason: 'malformed' });
    // Signed, but not records (the signing key leaked, or a bug): still not delivered.
    expect(verifyBatch(KEY, written(7, 'pod-a', '{"id":1}'))).toMatchObject({
      verified: false,
      reason: 'malformed',
    });
  });

  it('refuse a batch whose records, sequence, name, namespace or writer changed', () => {
    const original = written(7);
    const moved = (change: (batch: StoredBatch) => void) => {
      const copy = structuredClone(original);
      change(copy);
      return verifyBatch(KEY, copy);
    };
    const refused = { verified: false, reason: 'mismatch' };
    expect(moved((b) => (b.data![RECORDS_KEY] = TEXT.replace('"a"', '"c"')))).toMatchObject(refused);
    expect(moved((b) => (b.data![RECORDS_KEY] = TEXT.split('\n')[0]!))).toMatchObject(refused);
    expect(moved((b) => (b.metadata.name = batchName(8, 'pod-a')))).toMatchObject(refused);
    expect(moved((b) => (b.metadata.namespace = 'elsewhere'))).toMatchObject(refused);
    expect(moved((b) => (b.metadata.annotations![WRITER_ANNOTATION] = 'pod-b'))).toMatchObject(refused);
    expect(moved((b) => delete b.metadata.annotations![WRITER_ANNOTATION])).toMatchObject(refused);
  });

  it('refuse any change to the records text', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string({ minLength: 1, maxLength: 3 }), (at, inserted) => {
        const position = at % (TEXT.length + 1);
        const altered = written();
        altered.data![RECORDS_KEY] = TEXT.slice(0, position) + inserted + TEXT.slice(position);
        expect(verifyBatch(KEY, altered).verified).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
