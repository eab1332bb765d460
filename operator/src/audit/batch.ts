import { createHash } from 'node:crypto';
import type { DecisionRecord } from '../core/decisions/record.ts';
import { LABELS, MANAGED_BY } from '../core/render/labels.ts';

/** Outbox ConfigMaps carry this label (and the operator's managed-by label). */
export const OUTBOX_LABEL = 'bench.dev/audit-outbox';
export const OUTBOX_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY},${OUTBOX_LABEL}=true`;
/** The ConfigMap key holding the records, one JSON object per line, in decision order. */
export const RECORDS_KEY = 'records.jsonl';
/** Records per ConfigMap are cut here, well below the 1 MiB object limit. */
export const MAX_BATCH_BYTES = 512 * 1024;

const PREFIX = 'bench-audit-';
const SEQUENCE_DIGITS = 16;

/**
 * The delivery stream of a record: records about one suite (or one ProviderPolicy) are delivered
 * in order, one at a time; streams proceed independently. Written as a work-queue key
 * (`namespace/name`).
 */
export function streamOf(record: Pick<DecisionRecord, 'regarding'>): string {
  const { namespace, kind, name } = record.regarding;
  return `${namespace}/${kind}.${name}`;
}

/**
 * A batch's name sorts in write order: its sequence (contiguous: one past the highest batch
 * written or seen, see Outbox and chain.ts) and the writer, so two replicas writing at once (a
 * leader change) never pick the same name.
 */
export function batchName(sequence: number, writer: string): string {
  const digest = createHash('sha256').update(writer).digest('hex').slice(0, 6);
  return `${PREFIX}${String(sequence).padStart(SEQUENCE_DIGITS, '0')}-${digest}`;
}

const NAME = new RegExp(`^${PREFIX}(\\d{${SEQUENCE_DIGITS}})-[0-9a-f]{6}$`);

/** The sequence of a batch name written by batchName, else undefined. */
export function sequenceOf(name: string): number | undefined {
  const digits = NAME.exec(name)?.[1];
  const sequence = Number(digits);
  return digits !== undefined && Number.isSafeInteger(sequence) ? sequence : undefined;
}

/** The records as JSON lines, cut into batches of at most maxBytes (a single larger record stands alone). */
export function encodeBatches(
  records: DecisionRecord[],
  maxBytes = MAX_BATCH_BYTES,
): Array<{ text: string; records: DecisionRecord[] }> {
  const batches: Array<{ text: string; records: DecisionRecord[] }> = [];
  let lines: string[] = [];
  let members: DecisionRecord[] = [];
  let bytes = 0;
  const cut = () => {
    batches.push({ text: lines.join('\n'), records: members });
    lines = [];
    members = [];
    bytes = 0;
  };
  for (const record of records) {
    const line = JSON.stringify(record);
    const size = Buffer.byteLength(line) + 1;
    if (lines.length > 0 && bytes + size > maxBytes) cut();
    lines.push(line);
    members.push(record);
    bytes += size;
  }
  if (lines.length > 0) cut();
  return batches;
}

/** The records of an outbox ConfigMap; throws, naming the line, if someone changed it into something else. */
export function decodeBatch(data: Record<string, string> | undefined): DecisionRecord[] {
  const text = data?.[RECORDS_KEY];
  if (text === undefined) throw new Error(`no ${RECORDS_KEY} key`);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      let record: Partial<DecisionRecord>;
      try {
        record = JSON.parse(line) as Partial<DecisionRecord>;
      } catch (error) {
        throw new Error(`line ${index + 1} is not JSON: ${(error as Error).message}`, { cause: error });
      }
      if (typeof record.id !== 'string' || !record.regarding || typeof record.reason !== 'string')
        throw new Error(`line ${index + 1} is not an audit record (no id, reason or regarding)`);
      return record as DecisionRecord;
    });
}
