import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DecisionRecord } from '../core/decisions/record.ts';
import { decodeBatch, RECORDS_KEY, sequenceOf } from './batch.ts';

/** The batch's MAC: hex HMAC-SHA256, with the audit signing key, of what batchMacInput returns. */
export const MAC_ANNOTATION = 'bench.dev/audit-mac';
/** The replica (pod name) that wrote the batch. */
export const WRITER_ANNOTATION = 'bench.dev/audit-writer';

// Versioned, and a JSON array, so no two different batches give the same input, and none can be
// mistaken for a webhook signature's input (`<unix seconds>.<body>`), made with the same key.
const MAC_DOMAIN = 'bench-operator/audit-outbox/v1';

export interface BatchContent {
  namespace: string;
  /** `bench-audit-<sequence>-<writer digest>`: the sequence is part of the name. */
  name: string;
  sequence: number;
  writer: string;
  /** The records as stored (RECORDS_KEY), byte for byte. */
  text: string;
}

/**
 * The batch's MAC over everything a reader relies on: where it is (namespace and name, so a copy
 * under another name is refused), its place in the sequence, its writer and its records.
 */
export function batchMac(key: Buffer, batch: BatchContent): string {
  const input = JSON.stringify([
    MAC_DOMAIN,
    batch.namespace,
    batch.name,
    batch.sequence,
    batch.writer,
    batch.text,
  ]);
  return createHmac('sha256', key).update(input).digest('hex');
}

/** Why a batch is refused: `malformed` (not an outbox batch's shape), `unsigned` (no MAC), `mismatch` (a MAC that does not match). */
export type RefusalReason = 'malformed' | 'unsigned' | 'mismatch';
export const REFUSAL_REASONS: readonly RefusalReason[] = ['malformed', 'unsigned', 'mismatch'];

export type VerifiedBatch =
  | { verified: true; sequence: number; writer: string; records: DecisionRecord[] }
  | { verified: false; reason: RefusalReason; detail: string };

export interface StoredBatch {
  metadata: { name?: string; namespace?: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/**
 * The records of an outbox ConfigMap if the operator wrote it (its MAC matches its content), else
 * why not. Anyone who may write ConfigMaps in the operator's namespace can create or re-create a
 * labelled one; only a holder of the signing key can make its MAC.
 */
export function verifyBatch(key: Buffer, configMap: StoredBatch): VerifiedBatch {
  const name = configMap.metadata.name ?? '';
  const sequence = sequenceOf(name);
  if (sequence === undefined)
    return {
      verified: false,
      reason: 'malformed',
      detail: 'its name is not bench-audit-<sequence>-<writer>',
    };
  const text = configMap.data?.[RECORDS_KEY];
  if (text === undefined)
    return { verified: false, reason: 'malformed', detail: `it has no ${RECORDS_KEY} key` };
  const mac = configMap.metadata.annotations?.[MAC_ANNOTATION];
  const writer = configMap.metadata.annotations?.[WRITER_ANNOTATION] ?? '';
  if (mac === undefined)
    return { verified: false, reason: 'unsigned', detail: `it has no ${MAC_ANNOTATION} annotation` };
  const expected = Buffer.from(
    batchMac(key, { namespace: configMap.metadata.namespace ?? '', name, sequence, writer, text }),
    'hex',
  );
  const given = Buffer.from(mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return {
      verified: false,
      reason: 'mismatch',
      detail: `its ${MAC_ANNOTATION} does not match its content (records, sequence, writer, name)`,
    };
  try {
    return { verified: true, sequence, writer, records: decodeBatch(configMap.data) };
  } catch (error) {
    return { verified: false, reason: 'malformed', detail: (error as Error).message };
  }
}
