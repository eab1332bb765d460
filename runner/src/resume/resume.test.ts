import { describe, expect, it } from 'vitest';
import type { DatasetItem } from '../dataset/items.ts';
import { answeredResult, type ItemResult } from '../evaluate/item-result.ts';
import type { RunResult } from '../evaluate/summary.ts';
import { createScorer } from '../scoring/scorers.ts';
import { resumeContext, resumeKey } from './key.ts';
import { memoryStore } from './memory-store.ts';
import { CHECKPOINT_FAILED_METRIC, NO_RESUME, openResume, openResumeAt, writerName } from './resume.ts';

const items: DatasetItem[] = [0, 1, 2].map((index) => ({
  index,
  line: index + 1,
  id: `q${index}`,
  category: undefined,
  messages: [{ role: 'user', content: `question ${index}` }],
  expected: 'yes',
  scorer: createScorer({ scorer: 'exact', expected: 'yes' }),
}));
const context = resumeContext(
  {
    provider: { type: 'openai', endpoint: undefined, apiKey: undefined, parameters: {} },
    model: 'm',
    judge: undefined,
  },
  {
    mode: 'accuracy',
    temperature: 0,
    maxOutputTokens: undefined,
    topP: undefined,
    judge: { scale: 'pass-fail', pass: 1, rubric: undefined, calibration: false },
  },
  undefined,
);
const answer = (item: DatasetItem, tokens: number): ItemResult =>
  answeredResult(item, {
    text: 'yes',
    usage: { inputTokens: tokens, outputTokens: 1 },
    finishReason: 'stop',
    latencyMs: 50,
  });
const line = (item: DatasetItem, result: ItemResult) =>
  `${JSON.stringify({ key: resumeKey(item, context), result })}\n`;
const signal = new AbortController().signal;

function open(store = memoryStore(), log: string[] = []) {
  return openResume(
    store,
    {
      items,
      context,
      signal,
      clean: (text) => text,
      log: (l) => log.push(l),
      writer: 'w',
      everyItems: 10,
      everyMs: 60_000,
    },
    'the folder',
  );
}

describe('openResume', () => {
  it("reuses the kept answers whose key is the item's now, and says how many from how many chunks", async () => {
    const store = memoryStore();
    store.chunks.set('old-000001.jsonl', line(items[0]!, answer(items[0]!, 7)) + '{"key":');
    // Another model's answer: another key.
    store.chunks.set(
      'old-000002.jsonl',
      `${JSON.stringify({ key: 'elsewhere', result: answer(items[1]!, 9) })}\n`,
    );
    const log: string[] = [];
    const resume = await open(store, log);
    expect([...resume.reused.keys()]).toEqual([0]);
    expect(resume.reused.get(0)).toEqual(answer(items[0]!, 7));
    expect(log).toEqual([
      'resume: 1 of 3 items reused from 2 chunks in the folder (skipped: 0 unreadable chunks, 1 lines that are not records)',
    ]);
    await resume.finish(false);
  });

  it('keeps the new answers, and not the failed items, in a chunk of its own', async () => {
    const store = memoryStore();
    const resume = await open(store);
    resume.record(answer(items[1]!, 3));
    resume.record({ index: 2, line: 3, status: 'failed', error: { kind: 'unavailable', message: '503' } });
    expect(await resume.finish(false)).toEqual({});
    expect([...store.chunks.keys()]).toEqual(['w-000001.jsonl']);
    expect((await open(store)).reused.get(1)).toEqual(answer(items[1]!, 3));
  });

  it('says in the result when answers could not be kept', async () => {
    const log: string[] = [];
    const resume = await open(
      memoryStore(() => 'failed-before'),
      log,
    );
    resume.record(answer(items[1]!, 3));
    expect(await resume.finish(true)).toEqual({ [CHECKPOINT_FAILED_METRIC]: 1 });
    expect(log.at(-1)).toBe(
      'checkpoint: 1 answered items could not be kept in the folder: a retry asks for them again',
    );
  });

  it('asks every item when the checkpoint cannot be read', async () => {
    const log: string[] = [];
    const down = { ...memoryStore(), list: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const resume = await open(down, log);
    expect(resume.reused.size).toBe(0);
    expect(log).toEqual([
      'resume: the checkpoint in the folder could not be read, every item is asked: Error: connect ECONNREFUSED',
    ]);
    await resume.finish(false);
  });

  it('merges the reused results in item order and counts only the new requests in the usage', async () => {
    const store = memoryStore();
    store.chunks.set('old-000001.jsonl', line(items[1]!, answer(items[1]!, 7)));
    const resume = await open(store);
    const fresh = [answer(items[2]!, 5), answer(items[0]!, 3)];
    const merged = resume.merge(fresh);
    expect(merged.map((r) => r.index)).toEqual([0, 1, 2]);
    const summary: RunResult = {
      score: 1,
      metrics: { answeredItems: 3, requestsPerSecond: 3, throughputTokensPerSecond: 3 },
      usage: { inputTokens: 15, outputTokens: 3 },
    };
    expect(resume.account(summary, 2_000)).toEqual({
      score: 1,
      metrics: {
        answeredItems: 3,
        reusedItems: 1,
        reusedInputTokens: 7,
        reusedOutputTokens: 1,
        requestsPerSecond: 1,
        throughputTokensPerSecond: 1,
      },
      usage: { inputTokens: 8, outputTokens: 2 },
    });
    await resume.finish(false);
  });

  it("counts in the judge's usage only the verdicts this attempt asked for", async () => {
    const judgedItem: DatasetItem = {
      ...items[1]!,
      scorer: undefined,
      judge: { rubric: 'says yes', reference: undefined, label: undefined },
    };
    const store = memoryStore();
    const judged = {
      ...answer(judgedItem, 7),
      judge: { score: 1, usage: { inputTokens: 40, outputTokens: 4 } },
    };
    store.chunks.set('old-000001.jsonl', line(judgedItem, judged));
    const resume = await openResume(
      store,
      { items: [judgedItem], context, signal, clean: (text) => text, log: () => {} },
      'the folder',
    );
    expect(resume.reused.get(1)).toEqual(judged);
    const summary: RunResult = {
      metrics: { answeredItems: 1 },
      usage: { inputTokens: 7, outputTokens: 1 },
      judgeUsage: { inputTokens: 100, outputTokens: 10 },
    };
    expect(resume.account(summary, 1_000).judgeUsage).toEqual({ inputTokens: 60, outputTokens: 6 });
    await resume.finish(false);
  });
});

describe('openResumeAt', () => {
  const options = { items, context, signal, clean: (text: string) => text, log: () => {} };

  it('resumes nothing without a location', async () => {
    expect(await openResumeAt(undefined, options)).toBe(NO_RESUME);
  });

  it('keeps nothing in a store it has no credentials for, and says so', async () => {
    const log: string[] = [];
    const destination = {
      url: 's3://b/c/shard-0/',
      bucket: 'b',
      prefix: 'c/shard-0/',
      endpoint: undefined,
      region: 'us-east-1',
      hasCredentials: false,
    };
    const resume = await openResumeAt({ kind: 's3', destination }, { ...options, log: (l) => log.push(l) });
    expect(resume).toBe(NO_RESUME);
    expect(log).toEqual([
      'no checkpoint kept: no credentials for s3://b/c/shard-0/ (AWS_ACCESS_KEY_ID is not set)',
    ]);
  });
});

describe('writerName', () => {
  it('sorts later attempts after earlier ones and differs between attempts started together', () => {
    const early = writerName(new Date('2026-01-01T10:00:00Z'));
    const late = writerName(new Date('2026-01-01T10:00:01Z'));
    expect(early < late).toBe(true);
    expect(writerName(new Date(0))).not.toBe(writerName(new Date(0)));
  });
});
