import { describe, expect, it } from 'vitest';
import type { RoundRun } from '../api/index.ts';
import { CliError, EXIT } from './errors.ts';
import {
  compareTargets,
  csv,
  csvField,
  pickRound,
  RESULT_CSV_COLUMNS,
  resultCells,
  resultRow,
  resultsJson,
  roundLine,
  UNPAIRED_NOTE,
  type RoundRecord,
} from './round-results.ts';

function run(benchmark: string, target: string, correct?: number, items?: number, score?: number): RoundRun {
  const share = score ?? (correct !== undefined && items ? correct / items : 0.5);
  return {
    name: `${benchmark}-${target}`,
    benchmark,
    target,
    provider: 'openai',
    model: `${target}-model`,
    state: 'Succeeded',
    attempt: 1,
    result: {
      score: share,
      ...(correct !== undefined && items !== undefined
        ? { metrics: { correctItems: correct, answeredItems: items } }
        : {}),
      cost: '1.25',
    },
    ...(items !== undefined
      ? {
          interval: {
            method: 'Wilson',
            low: Number((share - 0.028).toFixed(3)),
            high: Number((share + 0.028).toFixed(3)),
            standardError: 0.014,
            items,
          },
        }
      : {}),
  };
}

const record = (round: number, runs: RoundRun[] = []): RoundRecord => ({
  spec: { suite: 'nightly', round, phase: 'Succeeded', progress: `${runs.length}/${runs.length}`, runs },
});

function findingOf(call: () => unknown): CliError {
  try {
    call();
  } catch (error) {
    if (error instanceof CliError) return error;
  }
  throw new Error('no CliError');
}

describe('pickRound', () => {
  const records = [record(3), record(12), record(7)];

  it('takes the latest recorded round by number, or the one asked for', () => {
    expect(pickRound('nightly', records).spec.round).toBe(12);
    expect(pickRound('nightly', records, 7).spec.round).toBe(7);
  });

  it('is a finding when the suite has no record, or not of that round, naming the rounds there are', () => {
    const none = findingOf(() => pickRound('nightly', []));
    expect(none.exitCode).toBe(EXIT.findings);
    expect(none.message).toBe('BenchmarkSuite nightly has no finished round recorded (no BenchmarkRound)');
    const missing = findingOf(() => pickRound('nightly', records, 5));
    expect(missing.exitCode).toBe(EXIT.findings);
    expect(missing.message).toBe(
      'BenchmarkSuite nightly has no record of round 5; recorded rounds: 3, 7, 12',
    );
  });
});

describe('rows', () => {
  it('show the score to three places, the interval with a dash, and "—" where there is nothing', () => {
    expect(resultCells(resultRow(run('mmlu', 'gpt', 711, 1000)))).toEqual([
      'mmlu',
      'gpt',
      'gpt-model',
      'Succeeded',
      '0.711',
      '0.683–0.739',
      '1000',
      '1.25',
    ]);
    const failed: RoundRun = { name: 'x', benchmark: 'mmlu', target: 'gpt', state: 'Failed', attempt: 3 };
    expect(resultCells(resultRow(failed))).toEqual(['mmlu', 'gpt', '—', 'Failed', '—', '—', '—', '—']);
  });

  it('end with the round, its revision and phase', () => {
    expect(roundLine({ spec: { ...record(4).spec, sourceRevision: 'main@sha1:abc' } })).toBe(
      'round 4  revision main@sha1:abc  phase Succeeded  0/0 runs succeeded',
    );
    expect(roundLine({ spec: { suite: 's', round: 1, phase: 'Failed' } })).toBe(
      'round 1  revision —  phase Failed',
    );
  });

  it('as JSON: the suite, round, revision, phase and runs, null where absent', () => {
    const json = resultsJson(record(2, [run('mmlu', 'gpt', 711, 1000)]));
    expect(json).toEqual({
      suite: 'nightly',
      round: 2,
      sourceRevision: null,
      phase: 'Succeeded',
      runs: [
        {
          run: 'mmlu-gpt',
          benchmark: 'mmlu',
          target: 'gpt',
          provider: 'openai',
          model: 'gpt-model',
          state: 'Succeeded',
          score: 0.711,
          low: 0.683,
          high: 0.739,
          items: 1000,
          cost: '1.25',
        },
      ],
    });
    expect(json).not.toHaveProperty('comparisons');
  });
});

describe('csv', () => {
  it('quotes fields with commas, quotes or line breaks (RFC 4180), and leaves null empty', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.5)).toBe('0.5');
    expect(csvField(false)).toBe('false');
  });

  it('writes a header row and one row per record, CRLF line ends', () => {
    const rows = [resultRow({ ...run('mmlu', 'gpt,4', 711, 1000), model: 'm "x"' })];
    expect(csv(rows, RESULT_CSV_COLUMNS)).toBe(
      'run,benchmark,target,provider,model,state,score,low,high,items,cost\r\n' +
        '"mmlu-gpt,4",mmlu,"gpt,4",openai,"m ""x""",Succeeded,0.711,0.683,0.739,1000,1.25\r\n',
    );
  });
});

describe('compareTargets', () => {
  it('compares the shares correct of each benchmark both targets ran, unpaired, and says so', () => {
    const rows = compareTargets(
      record(1, [
        run('mmlu', 'candidate', 712, 1000),
        run('mmlu', 'production', 745, 1000),
        run('gsm8k', 'candidate', 80, 100),
        run('hellaswag', 'production', 50, 100),
      ]),
      'candidate',
      'production',
    );
    expect(rows).toHaveLength(1);
    const [mmlu] = rows;
    expect(mmlu).toMatchObject({
      benchmark: 'mmlu',
      possible: true,
      paired: false,
      method: 'unpaired-bootstrap',
    });
    expect(mmlu!.difference).toBeCloseTo(-0.033, 10);
    // The normal approximation's interval of the difference, ±1.96·√(p(1−p)/n + q(1−q)/m) ≈ ±0.039.
    expect(mmlu!.low).toBeGreaterThan(-0.033 - 0.045);
    expect(mmlu!.low).toBeLessThan(-0.033 - 0.033);
    expect(mmlu!.high).toBeGreaterThan(-0.033 + 0.033);
    expect(mmlu!.high).toBeLessThan(-0.033 + 0.045);
    expect(mmlu!.pValue).toBeGreaterThan(0.05);
    expect(mmlu!.text).toMatch(
      /^mmlu: candidate 0\.712 vs production 0\.745, −0\.033 \(95% CI −0\.0\d\d…\+?0\.00\d\), unpaired bootstrap p = 0\.\d{3}; unpaired \(per-item outcomes not recorded\)$/,
    );
    expect(mmlu!.text).not.toContain('only in');
    expect(mmlu!.text.endsWith(UNPAIRED_NOTE)).toBe(true);
  });

  it('finds a clear difference from the counts, the score standing in when correctItems is not kept', () => {
    const noCount = run('mmlu', 'b', 500, 1000);
    delete noCount.result!.metrics;
    const [row] = compareTargets(record(1, [run('mmlu', 'a', 800, 1000), noCount]), 'a', 'b');
    expect(row!.difference).toBeCloseTo(0.3, 10);
    expect(row!.low).toBeGreaterThan(0.25);
    expect(row!.pValue).toBeLessThan(0.001);
    expect(row!.text).toContain('unpaired bootstrap p < 0.001');
  });

  it('says why a comparison is not possible: a run without an interval, or that did not succeed', () => {
    const kwok = run('hello', 'a', undefined, undefined, 0.91);
    const [noInterval] = compareTargets(record(1, [kwok, run('hello', 'b', 5, 10)]), 'a', 'b');
    expect(noInterval).toMatchObject({ possible: false, difference: null, pValue: null });
    expect(noInterval!.text).toBe(
      "hello: a vs b: comparison not possible: a's result does not say how many items were correct (no correctItems and answeredItems)",
    );
    const failed = { ...run('hello', 'b', 5, 10), state: 'Failed' as const };
    const [notSucceeded] = compareTargets(record(1, [run('hello', 'a', 5, 10), failed]), 'a', 'b');
    expect(notSucceeded!.text).toBe("hello: a vs b: comparison not possible: b's run failed");
  });
});
