/**
 * Writes an attempt's answered items to its checkpoint as the run goes: a chunk once `everyItems`
 * records wait or every `everyMs`, each taking every record waiting, and the rest when the run ends
 * (also after a SIGTERM, before the partial result). Chunks are written one at a time, each a new object
 * named `<writer>-<seq>.jsonl`, so attempts (each its own writer name) never overwrite each other.
 * A chunk that fails is logged and its records go into the next one: a record is kept once a chunk
 * holding it is written, and a record in two chunks is the same answer twice.
 */
import { describeFailure } from '../artifacts/write-artifacts.ts';
import type { CheckpointRecord } from './record.ts';
import { CHUNK_EXTENSION, type CheckpointStore } from './store.ts';

/** How long one chunk may take before it counts as failed (its records go into the next). */
export const CHUNK_TIMEOUT_MS = 30_000;

export interface CheckpointWriterOptions {
  store: CheckpointStore;
  /** Unique to the attempt: the chunks' names start with it. */
  writer: string;
  everyItems: number;
  everyMs: number;
  /** Removes the secrets from what is written (the reporter's). */
  clean: (text: string) => string;
  log: (line: string) => void;
}

export interface CheckpointWriter {
  add(record: CheckpointRecord): void;
  /** Writes the records left and stops; waits at most `timeoutMs`. */
  close(timeoutMs: number): Promise<{ written: number; unwritten: number; failedChunks: number }>;
}

/** The chunk's name: sequence numbers padded so that names sort in the order they were written. */
export const chunkName = (writer: string, seq: number) =>
  `${writer}-${String(seq).padStart(6, '0')}${CHUNK_EXTENSION}`;

export function createCheckpointWriter(options: CheckpointWriterOptions): CheckpointWriter {
  const { store, clean, log } = options;
  let pending: CheckpointRecord[] = [];
  let seq = 0;
  let written = 0;
  let failedChunks = 0;
  let chain = Promise.resolve();
  const closing = new AbortController();

  async function writeChunk(): Promise<void> {
    if (pending.length === 0 || closing.signal.aborted) return;
    const records = pending;
    pending = [];
    const name = chunkName(options.writer, ++seq);
    const body = records.map((record) => `${clean(JSON.stringify(record))}\n`).join('');
    const signal = AbortSignal.any([AbortSignal.timeout(CHUNK_TIMEOUT_MS), closing.signal]);
    try {
      await store.write(name, body, signal);
      written += records.length;
    } catch (error) {
      failedChunks++;
      pending = [...records, ...pending];
      log(
        `checkpoint chunk ${name} not written (${records.length} items kept for the next): ${clean(describeFailure(error))}`,
      );
    }
  }

  const flush = () => (chain = chain.then(writeChunk));
  const timer = setInterval(() => void flush(), options.everyMs);
  // The timer alone must not keep the process alive.
  timer.unref();

  return {
    add(record) {
      pending.push(record);
      if (pending.length >= options.everyItems) void flush();
    },
    async close(timeoutMs) {
      clearInterval(timer);
      const deadline = setTimeout(
        () => closing.abort(new Error(`no answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      try {
        await flush();
      } finally {
        clearTimeout(deadline);
        closing.abort(new Error('the checkpoint is closed'));
      }
      return { written, unwritten: pending.length, failedChunks };
    },
  };
}
