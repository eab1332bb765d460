/**
 * Reads a checkpoint folder at the start of an attempt: every chunk, in the order they were written
 * (their names sort so), keeping the last record of each key. A chunk that cannot be read and a line
 * that is not a record (a chunk cut short) are skipped and counted: they cost their items a new
 * request, never the run.
 */
import type { CheckpointRecord } from './record.ts';
import { parseRecord } from './record.ts';
import type { CheckpointStore } from './store.ts';

export interface KeptAnswers {
  /** The last record of each key. */
  records: Map<string, CheckpointRecord>;
  /** Chunks read. */
  chunks: number;
  skippedChunks: number;
  skippedLines: number;
}

export async function readCheckpoint(store: CheckpointStore, signal: AbortSignal): Promise<KeptAnswers> {
  const kept: KeptAnswers = { records: new Map(), chunks: 0, skippedChunks: 0, skippedLines: 0 };
  for (const name of (await store.list(signal)).sort()) {
    let body: string;
    try {
      body = await store.read(name, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      kept.skippedChunks++;
      continue;
    }
    kept.chunks++;
    for (const line of body.split('\n')) {
      if (line.trim() === '') continue;
      const record = parseRecord(line);
      if (record) kept.records.set(record.key, record);
      else kept.skippedLines++;
    }
  }
  return kept;
}
