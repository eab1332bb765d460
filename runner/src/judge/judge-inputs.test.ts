// What the judge scorer reads before any request: its environment, its rubric, and the dataset's
// judge fields.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../config/env.ts';
import { ConfigError } from '../config/errors.ts';
import { parseDataset, type DatasetOptions } from '../dataset/items.ts';
import { secretsOf } from '../output/reporter.ts';
import { readRubric } from './rubric.ts';

const target = { BENCH_PROVIDER: 'openai', BENCH_MODEL: 'gpt-4o', BENCH_API_KEY: 'sk-target-key-123' };
const judge = {
  BENCH_JUDGE_PROVIDER: 'anthropic',
  BENCH_JUDGE_MODEL: 'claude-judge',
  BENCH_JUDGE_ENDPOINT: 'https://judge.example/v1',
  BENCH_JUDGE_API_KEY: 'sk-judge-key-456',
  BENCH_JUDGE_PARAMETERS: '{"temperature":"0"}',
  BENCH_JUDGE_RATE_LIMIT_RPM: '30',
  BENCH_JUDGE_RATE_LIMIT_TPM: '90000',
};

describe('the judge’s environment', () => {
  it('is read as the target’s is, under the BENCH_JUDGE_ names, apart from the target’s', () => {
    const env = readEnvironment({ ...target, BENCH_RATE_LIMIT_RPM: '500', ...judge });
    expect(env.judge).toEqual({
      provider: {
        type: 'anthropic',
        endpoint: 'https://judge.example/v1',
        apiKey: 'sk-judge-key-456',
        parameters: { temperature: '0' },
      },
      model: 'claude-judge',
      requestsPerMinute: 30,
      tokensPerMinute: 90000,
    });
    expect(env).toMatchObject({ model: 'gpt-4o', requestsPerMinute: 500, tokensPerMinute: undefined });
    expect(readEnvironment(target).judge).toBeUndefined();
  });

  it.each([
    [{ BENCH_JUDGE_MODEL: '' }, 'BENCH_JUDGE_MODEL is not set'],
    [
      { BENCH_JUDGE_PROVIDER: 'acme' },
      'BENCH_JUDGE_PROVIDER "acme" is not a provider type bench-runner knows',
    ],
    [
      { BENCH_JUDGE_PARAMETERS: '[1]' },
      'BENCH_JUDGE_PARAMETERS must be a JSON object of strings: it is not an object',
    ],
    [{ BENCH_JUDGE_RATE_LIMIT_RPM: '0' }, 'BENCH_JUDGE_RATE_LIMIT_RPM must be a whole number from 1'],
    [{ BENCH_JUDGE_ALLOW_PLAIN_HTTP: 'yes' }, 'BENCH_JUDGE_ALLOW_PLAIN_HTTP must be true or false'],
    [
      { BENCH_JUDGE_ENDPOINT: 'http://judge.local:8080/v1' },
      'BENCH_JUDGE_ENDPOINT http://judge.local:8080 is plain http and BENCH_JUDGE_API_KEY is set',
    ],
  ])('refuses %j', (change, message) => {
    expect(() => readEnvironment({ ...target, ...judge, ...change })).toThrow(ConfigError);
    expect(() => readEnvironment({ ...target, ...judge, ...change })).toThrow(message);
  });

  it('allows plain http to the judge only as the judge’s policy says, and never quotes its key', () => {
    const plain = { ...target, ...judge, BENCH_JUDGE_ENDPOINT: 'http://judge.local:8080/v1' };
    expect(readEnvironment({ ...plain, BENCH_JUDGE_ALLOW_PLAIN_HTTP: 'true' }).judge?.provider.endpoint).toBe(
      'http://judge.local:8080/v1',
    );
    expect(() => readEnvironment({ ...plain, BENCH_ALLOW_PLAIN_HTTP: 'true' })).toThrow(
      /BENCH_JUDGE_ENDPOINT/,
    );
    const leaky = { ...target, ...judge, BENCH_JUDGE_PROVIDER: judge.BENCH_JUDGE_API_KEY };
    expect(() => readEnvironment(leaky)).toThrow('BENCH_JUDGE_PROVIDER "[redacted]"');
  });

  it('has its key removed from the output as the target’s is', () => {
    const secrets = secretsOf(target.BENCH_API_KEY, judge.BENCH_JUDGE_API_KEY);
    expect(secrets).toEqual(expect.arrayContaining([target.BENCH_API_KEY, judge.BENCH_JUDGE_API_KEY]));
  });
});

describe('--judge-rubric', () => {
  it('is the text itself, a variable’s (env:NAME) or a file’s (a path)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rubric-'));
    try {
      const file = path.join(dir, 'rubric.txt');
      writeFileSync(file, '  Cites a source.\n');
      expect(readRubric('Is polite.', {})).toBe('Is polite.');
      expect(readRubric('env:BENCH_JUDGE_RUBRIC', { BENCH_JUDGE_RUBRIC: 'Is short.' })).toBe('Is short.');
      expect(readRubric(file, {})).toBe('Cites a source.');
      expect(() => readRubric('env:NOPE', {})).toThrow(
        '--judge-rubric env:NOPE: the variable NOPE is not set or empty',
      );
      expect(() => readRubric(path.join(dir, 'missing.txt'), {})).toThrow(/cannot be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('judged items in the dataset', () => {
  const options = (judgeOptions: Partial<NonNullable<DatasetOptions['judge']>> = {}): DatasetOptions => ({
    mode: 'accuracy',
    defaultScorer: 'judge',
    judge: { scale: '1-5', calibration: false, rubric: false, ...judgeOptions },
  });
  const parse = (items: object[], opts = options()) =>
    parseDataset(items.map((i) => JSON.stringify(i)).join('\n'), opts);

  it('carry their rubric, reference (else a text or number expected) and label', () => {
    const [withReference, withExpected] = parse([
      { prompt: 'p', rubric: 'r', reference: 'ref', label: 4 },
      { prompt: 'p', expected: 42 },
    ]);
    expect(withReference).toMatchObject({
      scorer: undefined,
      judge: { rubric: 'r', reference: 'ref', label: 4 },
    });
    expect(withExpected!.judge).toEqual({ rubric: undefined, reference: '42', label: undefined });
    // Items of other scorers are scored as before.
    expect(parse([{ prompt: 'p', expected: 'x', scorer: 'exact' }])[0]).not.toHaveProperty('judge');
  });

  it.each([
    [
      [{ prompt: 'p' }],
      options(),
      'line 1: scorer judge needs a "rubric" or a "reference" (or --judge-rubric for all items)',
    ],
    [
      [{ prompt: 'p', rubric: 'r', label: 6 }],
      options(),
      'line 1: "label" 6 is not on the 1-5 scale (a whole number from 1 to 5)',
    ],
    [[{ prompt: 'p', rubric: 'r', label: 2.5 }], options(), '"label" 2.5 is not on the 1-5 scale'],
    [
      [{ prompt: 'p', rubric: 'r' }],
      options({ calibration: true }),
      'no "label": --judge-calibration needs every item rated by a person',
    ],
    [
      [{ prompt: 'p', expected: 'x', scorer: 'exact', label: 1 }],
      options({ calibration: true }),
      '--judge-calibration scores every item with the judge',
    ],
    [[{ prompt: 'p', rubric: '' }], options(), 'rubric must NOT have fewer than 1 characters'],
  ])('refuses %j (%#)', (items, opts, message) => {
    expect(() => parse(items, opts)).toThrow(ConfigError);
    expect(() => parse(items, opts)).toThrow(message);
  });

  it('take --judge-rubric when they have neither rubric nor reference', () => {
    expect(parse([{ prompt: 'p' }], options({ rubric: true }))[0]!.judge).toEqual({
      rubric: undefined,
      reference: undefined,
      label: undefined,
    });
  });
});
