import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryStore } from './directory-store.ts';

describe('directoryStore', () => {
  let root: string;
  const signal = new AbortController().signal;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'checkpoint-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('lists nothing before the first chunk: the directory need not exist', async () => {
    expect(await directoryStore(join(root, 'shard-0')).list(signal)).toEqual([]);
  });

  it('writes each chunk whole under its name, and leaves no temporary file', async () => {
    const store = directoryStore(join(root, 'shard-0'));
    await store.write('a-000001.jsonl', '{"key":"k"}\n', signal);
    expect(await store.list(signal)).toEqual(['a-000001.jsonl']);
    expect(await store.read('a-000001.jsonl', signal)).toBe('{"key":"k"}\n');
    expect(await readdir(join(root, 'shard-0'))).toEqual(['a-000001.jsonl']);
  });

  it('does not take a temporary file left by a crash for a chunk', async () => {
    const store = directoryStore(root);
    await writeFile(join(root, '.a-000002.jsonl.0f3c.tmp'), '{"key":"half');
    await store.write('a-000001.jsonl', '', signal);
    expect(await store.list(signal)).toEqual(['a-000001.jsonl']);
  });
});
