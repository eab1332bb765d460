import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chunkName, createCheckpointWriter } from './checkpoint-writer.ts';
import { memoryStore, type WriteOutcome } from './memory-store.ts';
import type { CheckpointRecord } from './record.ts';

const record = (index: number): CheckpointRecord => ({
  key: `k${index}`,
  result: {
    index,
    line: index + 1,
    status: 'answered',
    output: `answer ${index}`,
    usage: { inputTokens: 1, outputTokens: 1 },
  },
});
const keysOf = (body: string | undefined) =>
  (body ?? '')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as CheckpointRecord).key);

describe('createCheckpointWriter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const writer = (outcome?: (name: string) => WriteOutcome, log: string[] = []) => {
    const store = memoryStore(outcome);
    const checkpoint = createCheckpointWriter({
      store,
      writer: 'w',
      everyItems: 2,
      everyMs: 10_000,
      clean: (text) => text.replaceAll('sk-secret', '[redacted]'),
      log: (line) => log.push(line),
    });
    return { store, checkpoint, log };
  };

  /** Records as a run gives them: one at a time, the chunks being written meanwhile. */
  const addEach = async (checkpoint: { add: (r: CheckpointRecord) => void }, indexes: number[]) => {
    for (const i of indexes) {
      checkpoint.add(record(i));
      await vi.advanceTimersByTimeAsync(0);
    }
  };

  it('writes a chunk every N records, one more for the rest when closed, each under a name of its own', async () => {
    const { store, checkpoint } = writer();
    await addEach(checkpoint, [0, 1, 2, 3, 4]);
    expect(await checkpoint.close(1_000)).toEqual({ written: 5, unwritten: 0, failedChunks: 0 });
    expect([...store.chunks.keys()]).toEqual([chunkName('w', 1), chunkName('w', 2), chunkName('w', 3)]);
    expect([...store.chunks.values()].map(keysOf)).toEqual([['k0', 'k1'], ['k2', 'k3'], ['k4']]);
  });

  it('takes every record waiting into the next chunk', async () => {
    const { store, checkpoint } = writer();
    for (const i of [0, 1, 2]) checkpoint.add(record(i));
    await checkpoint.close(1_000);
    expect([...store.chunks.values()].map(keysOf)).toEqual([['k0', 'k1', 'k2']]);
  });

  it('writes what it has every interval', async () => {
    const { store, checkpoint } = writer();
    checkpoint.add(record(0));
    await vi.advanceTimersByTimeAsync(10_000);
    expect([...store.chunks.values()].map(keysOf)).toEqual([['k0']]);
    await checkpoint.close(1_000);
  });

  it('puts the records of a chunk that failed into the next, and says so', async () => {
    const { store, checkpoint, log } = writer((name) =>
      name === chunkName('w', 1) ? 'failed-before' : 'stored',
    );
    await addEach(checkpoint, [0, 1, 2]);
    expect(await checkpoint.close(1_000)).toEqual({ written: 3, unwritten: 0, failedChunks: 1 });
    expect([...store.chunks.values()].map(keysOf)).toEqual([['k0', 'k1', 'k2']]);
    expect(log).toEqual([
      expect.stringMatching(
        /^checkpoint chunk w-000001.jsonl not written \(2 items kept for the next\): the store failed \(failed-before\)/,
      ),
    ]);
  });

  it('counts what it could not write when closed', async () => {
    const { checkpoint } = writer(() => 'failed-before');
    checkpoint.add(record(0));
    expect(await checkpoint.close(1_000)).toEqual({ written: 0, unwritten: 1, failedChunks: 1 });
  });

  it('gives up on the last chunk at the deadline', async () => {
    const store = memoryStore();
    const checkpoint = createCheckpointWriter({
      store: {
        ...store,
        write: (_, __, signal) =>
          new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      },
      writer: 'w',
      everyItems: 10,
      everyMs: 60_000,
      clean: (text) => text,
      log: () => {},
    });
    checkpoint.add(record(0));
    const closed = checkpoint.close(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await closed).toEqual({ written: 0, unwritten: 1, failedChunks: 1 });
  });

  it('removes the secrets from what it writes', async () => {
    const { store, checkpoint } = writer();
    checkpoint.add({ key: 'k', result: { ...record(0).result, output: 'echo sk-secret' } });
    await checkpoint.close(1_000);
    expect([...store.chunks.values()].join('')).not.toContain('sk-secret');
  });
});
