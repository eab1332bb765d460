import { describe, expect, it } from 'vitest';
import type { DatasetItem } from '../dataset/items.ts';
import type { ItemResult } from '../evaluate/item-result.ts';
import { createScorer } from '../scoring/scorers.ts';
import { memoryStore } from './memory-store.ts';
import { readCheckpoint } from './read-checkpoint.ts';
import { parseRecord, reusedResult, type CheckpointRecord } from './record.ts';

const answered = (index: number, output: string): ItemResult => ({
  index,
  line: index + 1,
  status: 'answered',
  correct: output === '4',
  expected: '4',
  output,
  finishReason: 'stop',
  latencyMs: 120.5,
  usage: { inputTokens: 10, outputTokens: 2 },
});
const line = (record: CheckpointRecord) => `${JSON.stringify(record)}\n`;
const signal = new AbortController().signal;

describe('readCheckpoint', () => {
  it('keeps the last record of each key, reading the chunks in the order they were written', async () => {
    const store = memoryStore();
    store.chunks.set('b-000001.jsonl', line({ key: 'k1', result: answered(0, 'later') }));
    store.chunks.set(
      'a-000002.jsonl',
      line({ key: 'k1', result: answered(0, 'second') }) + line({ key: 'k2', result: answered(1, '4') }),
    );
    store.chunks.set('a-000001.jsonl', line({ key: 'k1', result: answered(0, 'first') }));
    const kept = await readCheckpoint(store, signal);
    expect(kept).toMatchObject({ chunks: 3, skippedChunks: 0, skippedLines: 0 });
    expect(kept.records.get('k1')?.result.output).toBe('later');
    expect(kept.records.get('k2')?.result.output).toBe('4');
  });

  it('skips and counts a line cut short, a line that is not a record and a chunk that cannot be read', async () => {
    const good = line({ key: 'k1', result: answered(0, '4') });
    const store = memoryStore();
    store.chunks.set('a-000001.jsonl', `${good}{"key":"k2","result":{"status":"answ`);
    store.chunks.set(
      'a-000002.jsonl',
      `{"key":"k3","result":${JSON.stringify({ ...answered(2, '4'), status: 'failed' })}}\nnot json\n`,
    );
    const unreadable = {
      ...store,
      read: (name: string) =>
        name === 'a-000003.jsonl' ? Promise.reject(new Error('gone')) : store.read(name, signal),
    };
    store.chunks.set('a-000003.jsonl', good);
    const kept = await readCheckpoint(unreadable, signal);
    expect(kept).toMatchObject({ chunks: 2, skippedChunks: 1, skippedLines: 3 });
    expect([...kept.records.keys()]).toEqual(['k1']);
  });

  it('stops when the attempt is interrupted', async () => {
    const interrupt = new AbortController();
    const store = memoryStore();
    store.chunks.set('a-000001.jsonl', '');
    const stalled = {
      ...store,
      read: () => (interrupt.abort(new Error('SIGTERM')), Promise.reject(new Error('aborted'))),
    };
    await expect(readCheckpoint(stalled, interrupt.signal)).rejects.toThrow('aborted');
  });
});

describe('parseRecord', () => {
  it.each([
    ['a failed item', { key: 'k', result: { ...answered(0, 'x'), status: 'failed' } }],
    ['no key', { result: answered(0, 'x') }],
    [
      'usage that is not a count',
      { key: 'k', result: { ...answered(0, 'x'), usage: { inputTokens: -1, outputTokens: 0 } } },
    ],
    ['no output', { key: 'k', result: { ...answered(0, 'x'), output: undefined } }],
  ])('refuses %s', (_, value) => {
    expect(parseRecord(JSON.stringify(value))).toBeUndefined();
  });
});

describe('reusedResult', () => {
  const item = (scored: boolean): DatasetItem => ({
    index: 7,
    line: 9,
    id: 'q',
    category: undefined,
    messages: [{ role: 'user', content: '2+2?' }],
    expected: '5',
    scorer: scored ? createScorer({ scorer: 'exact', expected: '5' }) : undefined,
  });

  it('scores the kept answer again with the item as it is now', () => {
    const result = reusedResult(item(true), { key: 'k', result: answered(0, '4') });
    expect(result).toEqual({
      index: 7,
      line: 9,
      id: 'q',
      status: 'answered',
      correct: false,
      expected: '5',
      output: '4',
      finishReason: 'stop',
      latencyMs: 120.5,
      usage: { inputTokens: 10, outputTokens: 2 },
    });
  });

  it('keeps a result it cannot score again as it was, in the place of the item now', () => {
    const kept = { ...answered(0, '4'), judge: { score: 1 } } as ItemResult;
    expect(reusedResult(item(false), { key: 'k', result: kept })).toEqual({ ...kept, index: 7, line: 9 });
  });
});
