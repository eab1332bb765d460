import { describe, expect, it } from 'vitest';
import { extractChoice, extractFinalNumber, extractJson } from './extract.ts';
import { createScorer, ScorerSpecError, type ScorerSpec } from './scorers.ts';

const score = (spec: ScorerSpec, output: string) => createScorer(spec)(output);

describe('answer extraction', () => {
  it.each([
    ['Natalia sold 48 + 24 = 72 clips.\n#### 72', 72],
    ['#### 1,234', 1234],
    ['So the answer is $18.50 in total, not 20.', 18.5],
    ['The answer: -3. Check: 5 - 8 = -3', -3],
    ['First 3 then 4, finally 12', 12],
    ['no digits here', undefined],
  ])('final number of %j is %j', (output, expected) => {
    expect(extractFinalNumber(output)).toBe(expected);
  });

  it.each([
    ['The answer is (C).', 'C'],
    ['Answer: B', 'B'],
    ['I think A is tempting, but the answer is D', 'D'],
    ['b', 'B'],
    ['(A)', 'A'],
    ['C. 42', 'C'],
    ['B) Paris', 'B'],
    ['the answer is a dog', undefined],
    ['A dog is an animal', undefined],
  ])('choice in %j is %j', (output, expected) => {
    expect(extractChoice(output)).toBe(expected);
  });

  it.each([
    ['{"a": 1}', { a: 1 }],
    ['Sure:\n```json\n{"a": [1, 2]}\n```\nDone.', { a: [1, 2] }],
    ['The list is [1, 2, 3] as asked', [1, 2, 3]],
    ['Result: {"a": {"b": 2}} ok', { a: { b: 2 } }],
  ])('JSON in %j', (output, expected) => {
    expect(extractJson(output)).toEqual({ value: expected });
  });

  it('finds no JSON where there is none', () => {
    expect(extractJson('no json {here')).toBeUndefined();
  });
});

describe('scorers', () => {
  it('exact: the whole answer, surrounding whitespace aside; ignoreCase on request', () => {
    expect(score({ scorer: 'exact', expected: 'Paris' }, ' Paris\n')).toEqual({ correct: true });
    expect(score({ scorer: 'exact', expected: 'Paris' }, 'paris')).toEqual({ correct: false });
    expect(score({ scorer: 'exact', expected: 'Paris', ignoreCase: true }, 'PARIS')).toEqual({
      correct: true,
    });
    expect(score({ scorer: 'exact', expected: 42 }, '42')).toEqual({ correct: true });
  });

  it('contains and regex', () => {
    expect(score({ scorer: 'contains', expected: 'blue' }, 'The sky is blue.').correct).toBe(true);
    expect(score({ scorer: 'contains', expected: 'blue' }, 'The sky is Blue.').correct).toBe(false);
    expect(score({ scorer: 'contains', expected: 'blue', ignoreCase: true }, 'BLUE').correct).toBe(true);
    expect(score({ scorer: 'regex', expected: '\\b(4|four)\\b' }, 'It is four.')).toEqual({
      correct: true,
      answer: 'four',
    });
    expect(score({ scorer: 'regex', expected: '^yes$', ignoreCase: true }, 'YES').correct).toBe(true);
    expect(score({ scorer: 'regex', expected: '^yes$' }, 'yes, sure')).toEqual({ correct: false });
  });

  it('choice: the letter read from the answer', () => {
    expect(score({ scorer: 'choice', expected: 'b' }, 'The answer is (B)')).toEqual({
      correct: true,
      answer: 'B',
    });
    expect(score({ scorer: 'choice', expected: 'B' }, 'Answer: C')).toEqual({ correct: false, answer: 'C' });
    expect(score({ scorer: 'choice', expected: 'B' }, 'I do not know')).toEqual({ correct: false });
  });

  it('numeric: the final number, with a tolerance', () => {
    expect(score({ scorer: 'numeric', expected: '1,000' }, '#### 1000')).toEqual({
      correct: true,
      answer: '1000',
    });
    expect(score({ scorer: 'numeric', expected: 0.5 }, 'about 0.49')).toEqual({
      correct: false,
      answer: '0.49',
    });
    expect(score({ scorer: 'numeric', expected: 0.5, tolerance: 0.02 }, 'about 0.49').correct).toBe(true);
    expect(score({ scorer: 'numeric', expected: 7 }, 'seven')).toEqual({ correct: false });
  });

  it('json-schema: a JSON value in the answer that the schema accepts', () => {
    const spec: ScorerSpec = {
      scorer: 'json-schema',
      expected: {
        type: 'object',
        required: ['email'],
        properties: { email: { type: 'string', format: 'email' } },
      },
    };
    expect(score(spec, '{"email": "ada@example.com"}').correct).toBe(true);
    expect(score(spec, '```json\n{"email": "not an address"}\n```').correct).toBe(false);
    expect(score(spec, 'I cannot do that').correct).toBe(false);
  });

  it.each([
    [{ scorer: 'regex', expected: '(' }, /not a valid regular expression/],
    [{ scorer: 'choice', expected: 'AB' }, /one letter, not "AB"/],
    [{ scorer: 'numeric', expected: 'many' }, /as a number, not "many"/],
    [{ scorer: 'json-schema', expected: 'object' }, /as a JSON schema/],
    [{ scorer: 'json-schema', expected: { type: 'objekt' } }, /not a valid JSON schema/],
    [{ scorer: 'exact', expected: { a: 1 } }, /needs "expected" as a string/],
    [{ scorer: 'contains', expected: '' }, /non-empty/],
  ] as const)('refuses %j', (spec, message) => {
    expect(() => createScorer(spec as ScorerSpec)).toThrow(ScorerSpecError);
    expect(() => createScorer(spec as ScorerSpec)).toThrow(message);
  });
});
