import { describe, expect, it } from 'vitest';
import reference from '../../../test/fixtures/stats/reference.json' with { type: 'json' };
import { itemsDigest, outcomesOf } from '../../../runner/src/contract/outcomes.ts';
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
  // Items 0…1599 as statsmodels' paired table 794/150/86/570 (test/fixtures/stats/reference.json):
  // right in both, only in A, only in B, in neither; then two items A got right that B never answered.
  const table = reference.newcombePaired.find((t) => t.a === 794 && t.confidence === 0.95)!;
  const mcnemar = reference.mcnemarExact.find((t) => t.b === 150 && t.c === 86)!;
  const digest = itemsDigest(Array.from({ length: 1602 }, (_, i) => `q${i}`));
  const outcomes = (answer: (i: number) => { answered: boolean; correct: boolean }) =>
    outcomesOf(
      digest,
      Array.from({ length: 1602 }, (_, i) => answer(i)),
    );
  const outcomesA = outcomes((i) => ({ answered: true, correct: i < 944 || i >= 1600 }));
  const outcomesB = outcomes((i) => ({ answered: i < 1600, correct: i < 794 || (i >= 944 && i < 1030) }));

  it('pairs two runs over the same items: McNemar and Newcombe’s paired interval over the items both answered', () => {
    const rows = compareTargets(
      record(1, [
        // The score as bench-runner writes it, to 4 places: still the counts' share.
        { ...run('arc', 'candidate', 946, 1602, 0.5905), outcomes: outcomesA },
        { ...run('arc', 'production', 880, 1600), outcomes: outcomesB },
      ]),
      'candidate',
      'production',
    );
    expect(rows).toHaveLength(1);
    const [arc] = rows;
    expect(arc).toMatchObject({ benchmark: 'arc', possible: true, paired: true, method: 'paired McNemar' });
    expect(arc!.difference).toBeCloseTo(944 / 1600 - 880 / 1600, 12);
    expect(arc!.low).toBeCloseTo(table.low, 12);
    expect(arc!.high).toBeCloseTo(table.high, 12);
    expect(arc!.pValue).toBeCloseTo(mcnemar.pValue, 12);
    expect(arc!.text).toBe(
      'arc: candidate 0.590 vs production 0.550, +0.040 (95% CI 0.021…0.059), paired McNemar p < 0.001 ' +
        'over 1600 items both answered (150 right only in candidate, 86 only in production)',
    );
  });

  it('compares the shares correct unpaired, with the pooled z-test, when the runs cannot be paired, and says why', () => {
    const twoProportions = { low: -0.07185414408652148, high: 0.005985646690357005, p: 0.09707510667520218 };
    const unpaired = (candidate: RoundRun, production: RoundRun) =>
      compareTargets(record(1, [candidate, production]), 'candidate', 'production')[0]!;
    const otherItems = { ...outcomesB, digest: 'ffffffffffffffff' };
    for (const [row, why] of [
      [
        unpaired(run('mmlu', 'candidate', 712, 1000), run('mmlu', 'production', 745, 1000)),
        'without per-item outcomes of both runs',
      ],
      [
        unpaired(run('mmlu', 'candidate', 712, 1000), {
          ...run('mmlu', 'production', 745, 1000),
          outcomes: outcomesB,
        }),
        'without per-item outcomes of both runs',
      ],
      [
        unpaired(
          { ...run('mmlu', 'candidate', 712, 1000), outcomes: outcomesA },
          { ...run('mmlu', 'production', 745, 1000), outcomes: otherItems },
        ),
        'the runs are over different items',
      ],
    ] as const) {
      expect(row).toMatchObject({ possible: true, paired: false, method: 'unpaired' });
      expect(row.difference).toBeCloseTo(-0.033, 12);
      expect(row.low).toBeCloseTo(twoProportions.low, 12);
      expect(row.high).toBeCloseTo(twoProportions.high, 12);
      expect(row.pValue).toBeCloseTo(twoProportions.p, 12);
      expect(row.text).toBe(
        `mmlu: candidate 0.712 vs production 0.745, −0.033 (95% CI −0.072…0.006), unpaired p = 0.097 (${why})`,
      );
    }
  });

  it('takes the score over the recorded interval’s items when the result has no counts', () => {
    const noCount = run('mmlu', 'b', 500, 1000);
    delete noCount.result!.metrics;
    const [row] = compareTargets(record(1, [run('mmlu', 'a', 800, 1000), noCount]), 'a', 'b');
    expect(row).toMatchObject({ method: 'unpaired', difference: expect.closeTo(0.3, 12) as number });
    expect(row!.low).toBeGreaterThan(0.25);
    expect(row!.text).toContain('unpaired p < 0.001');
  });

  it('shows bare values, without interval or test, when a score is not a share of counted items', () => {
    const kwok = run('hello', 'a', undefined, undefined, 0.91);
    // Counts that are not the score: the score is something else (a graded mean, say).
    const graded = run('hello', 'c', 5, 10, 0.62);
    for (const [a, b] of [
      [kwok, run('hello', 'b', 5, 10)],
      [graded, run('hello', 'b', 5, 10)],
    ] as const) {
      const [row] = compareTargets(record(1, [a, b]), a.target, 'b');
      expect(row).toMatchObject({
        possible: true,
        paired: false,
        method: 'values only',
        low: null,
        high: null,
        pValue: null,
      });
      expect(row!.difference).toBeCloseTo(a.result!.score! - 0.5, 12);
      expect(row!.text).toBe(
        `hello: ${a.target} ${a.result!.score!.toFixed(3)} vs b 0.500, +${(a.result!.score! - 0.5).toFixed(3)}, ` +
          'values only (without both scores as counts of correct items, no interval or test can tell a difference from noise)',
      );
    }
  });

  it('says why a comparison is not possible: a run that did not succeed, or without a score', () => {
    const failed = { ...run('hello', 'b', 5, 10), state: 'Failed' as const };
    const [notSucceeded] = compareTargets(record(1, [run('hello', 'a', 5, 10), failed]), 'a', 'b');
    expect(notSucceeded).toMatchObject({ possible: false, paired: null, method: null, difference: null });
    expect(notSucceeded!.text).toBe("hello: a vs b: comparison not possible: b's run failed");
    const noScore = run('hello', 'a', 5, 10);
    delete noScore.result!.score;
    const [unscored] = compareTargets(record(1, [noScore, run('hello', 'b', 5, 10)]), 'a', 'b');
    expect(unscored!.text).toBe("hello: a vs b: comparison not possible: a's result has no score");
  });
});
