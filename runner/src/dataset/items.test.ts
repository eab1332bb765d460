import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { parseDataset } from './items.ts';

const accuracy = { mode: 'accuracy', defaultScorer: undefined } as const;
const lines = (...items: unknown[]) =>
  items.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))).join('\n');

function problems(text: string, options: Parameters<typeof parseDataset>[1] = accuracy): string {
  try {
    parseDataset(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the dataset was accepted');
}

describe('parseDataset', () => {
  it('reads prompts (with a system message) and messages, keeping each item’s line; blank lines skipped', () => {
    const items = parseDataset(
      lines(
        { id: 'a', prompt: 'Q1', system: 'Be brief.', expected: '1', scorer: 'exact', category: 'x' },
        '',
        { messages: [{ role: 'user', content: 'Q2' }], expected: 'B', scorer: 'choice' },
      ),
      accuracy,
    );
    expect(items.map(({ scorer, ...rest }) => ({ ...rest, scored: typeof scorer }))).toEqual([
      {
        index: 0,
        line: 1,
        id: 'a',
        category: 'x',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Q1' },
        ],
        expected: '1',
        scored: 'function',
      },
      {
        index: 1,
        line: 3,
        id: undefined,
        category: undefined,
        messages: [{ role: 'user', content: 'Q2' }],
        expected: 'B',
        scored: 'function',
      },
    ]);
    expect(items[1]!.scorer!('Answer: B').correct).toBe(true);
  });

  it('takes the scorer of --scorer for items that name none', () => {
    const [item] = parseDataset(lines({ prompt: 'Q', expected: '42' }), {
      mode: 'accuracy',
      defaultScorer: 'numeric',
    });
    expect(item!.scorer!('#### 42').correct).toBe(true);
  });

  it('needs no scorer or expected answer in latency mode', () => {
    const [item] = parseDataset(lines({ prompt: 'Tell a story' }), {
      mode: 'latency',
      defaultScorer: undefined,
    });
    expect(item!.scorer).toBeUndefined();
  });

  it('reports every bad line by number, each with what is wrong', () => {
    const message = problems(
      lines(
        { prompt: 'ok', expected: '1', scorer: 'exact' },
        '{"prompt": "x",',
        { prompt: 'x', expected: '1' },
        { prompt: 'x', messages: [{ role: 'user', content: 'y' }], expected: '1', scorer: 'exact' },
        { messages: [{ role: 'bot', content: 'y' }], expected: '1', scorer: 'exact' },
        { prompt: 'x', expected: '1', scorer: 'exact', answer: '1' },
        { prompt: 'x', scorer: 'exact' },
        { prompt: 'x', expected: 'AB', scorer: 'choice' },
        { prompt: 7, expected: '1', scorer: 'exact' },
        '[1, 2]',
      ),
    );
    expect(message.split('\n')).toEqual([
      'the dataset has 9 invalid lines:',
      expect.stringMatching(/^ {2}line 2: not JSON \(/),
      '  line 3: no "scorer", and no --scorer for items without one',
      '  line 4: give either "prompt" (with an optional "system") or "messages"',
      '  line 5: messages.0.role must be one of system, user, assistant',
      '  line 6: the item has an unknown field "answer"',
      '  line 7: no "expected" answer',
      '  line 8: scorer choice needs "expected" as one letter, not "AB"',
      '  line 9: prompt must be string',
      '  line 10: an item must be a JSON object',
    ]);
  });

  it('lists ten bad lines and counts the rest', () => {
    const message = problems(Array.from({ length: 25 }, () => 'x').join('\n'));
    expect(message).toMatch(/^the dataset has 25 invalid lines:/);
    expect(message).toMatch(/line 10: not JSON.*\n {2}and 15 more$/);
  });

  it('refuses an empty dataset', () => {
    expect(problems('\n\n')).toBe('the dataset has no items');
  });
});
