import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite, RunStatus } from '../../api/v1alpha1/index.ts';
import type { SuiteStatus } from '../status/suite-status.ts';
import { itemsDigest, outcomesOf } from '../../../../runner/src/contract/outcomes.ts';
import { RECORD_OUTCOMES_BUDGET, roundRecordsToDelete, roundRecordToCreate } from './round-record.ts';

const suite: BenchmarkSuite = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name: 'nightly', namespace: 'team', uid: 'uid-nightly' },
  spec: {
    runner: { image: 'runner' },
    targets: [
      { name: 'candidate', providerRef: 'p', model: 'm2' },
      { name: 'production', providerRef: 'p', model: 'm1' },
    ],
    benchmarks: [{ name: 'mmlu' }, { name: 'gsm8k' }],
  },
};

const run = (benchmark: string, target: string, over: Partial<RunStatus> = {}): RunStatus => ({
  name: `${benchmark}-${target}`,
  benchmark,
  target,
  state: 'Succeeded',
  attempt: 1,
  ...over,
});

const finished = (runs: RunStatus[]): SuiteStatus => ({
  round: 3,
  sourceRevision: 'main@sha1:abc',
  lastScheduleTime: '2026-12-07T10:00:00Z',
  completionTime: '2026-12-07T10:20:00Z',
  runs,
});

describe('roundRecordToCreate', () => {
  it('records a finished round: its runs, revision, times, progress and best target, owned by the suite', () => {
    const record = roundRecordToCreate(
      suite,
      finished([
        run('mmlu', 'candidate', { result: { score: 0.712 } }),
        run('mmlu', 'production', { result: { score: 0.745 } }),
        run('gsm8k', 'candidate', { result: { score: 0.6 } }),
        run('gsm8k', 'production', { state: 'Failed', reason: 'ProviderFailure', result: { score: 0.99 } }),
      ]),
      [],
    )!;
    expect(record.metadata).toMatchObject({
      name: 'nightly-3',
      namespace: 'team',
      labels: {
        'bench.dev/suite': 'nightly',
        'bench.dev/round': '3',
        'app.kubernetes.io/managed-by': 'bench-operator',
      },
      ownerReferences: [{ kind: 'BenchmarkSuite', name: 'nightly', uid: 'uid-nightly', controller: true }],
    });
    expect(record.spec).toMatchObject({
      suite: 'nightly',
      round: 3,
      phase: 'Failed',
      progress: '3/4',
      sourceRevision: 'main@sha1:abc',
      startTime: '2026-12-07T10:00:00Z',
      completionTime: '2026-12-07T10:20:00Z',
      // A failed run's score does not count: production's mean is over mmlu alone.
      best: 'production 0.745',
    });
    expect(record.spec.runs).toHaveLength(4);
  });

  it("gives a share-of-correct score Wilson's interval from the runner's counts, and no interval without them", () => {
    const record = roundRecordToCreate(
      suite,
      finished([
        run('mmlu', 'candidate', {
          result: { score: 0.712, metrics: { answeredItems: 1000, correctItems: 712 } },
        }),
        run('mmlu', 'production', { result: { score: 0.745, metrics: { answeredItems: 1000 } } }),
      ]),
      [],
    )!;
    const [withCounts, without] = record.spec.runs!;
    // statsmodels proportion_confint(712, 1000, method='wilson'): (0.683164…, 0.739213…).
    expect(withCounts!.interval).toMatchObject({ method: 'Wilson', items: 1000 });
    expect(withCounts!.interval!.low).toBeCloseTo(0.6831644885571975, 12);
    expect(withCounts!.interval!.high).toBeCloseTo(0.7392129658449271, 12);
    expect(withCounts!.interval!.standardError).toBeCloseTo(Math.sqrt((0.712 * 0.288) / 1000), 12);
    expect(without!.interval).toBeUndefined();
  });

  it('records nothing for a round still running, before the first round, or already recorded', () => {
    const done = finished([run('mmlu', 'candidate')]);
    expect(roundRecordToCreate(suite, { ...done, completionTime: undefined }, [])).toBeUndefined();
    expect(roundRecordToCreate(suite, { ...done, round: 0 }, [])).toBeUndefined();
    expect(roundRecordToCreate(suite, done, [{ name: 'nightly-3', round: 3 }])).toBeUndefined();
    expect(roundRecordToCreate(suite, done, [{ name: 'nightly-2', round: 2 }])).toBeDefined();
  });

  it('leaves out counts that cannot be a share of correct items', () => {
    for (const metrics of [
      { answeredItems: 0, correctItems: 0 },
      { answeredItems: 10, correctItems: 11 },
      { answeredItems: 10.5, correctItems: 3 },
      { answeredItems: 10, correctItems: -1 },
    ]) {
      const record = roundRecordToCreate(
        suite,
        finished([run('mmlu', 'candidate', { result: { metrics } })]),
        [],
      );
      expect(record!.spec.runs![0]!.interval, JSON.stringify(metrics)).toBeUndefined();
    }
  });
});

describe('roundRecordsToDelete', () => {
  const records = [5, 1, 4, 2, 3].map((round) => ({ name: `nightly-${round}`, round }));

  it('keeps the newest `limit` rounds and lets the others go, oldest first', () => {
    expect(roundRecordsToDelete(records, 2).map((r) => r.round)).toEqual([1, 2, 3]);
    expect(roundRecordsToDelete(records, 5)).toEqual([]);
  });

  it('keeps 20 by default', () => {
    const many = Array.from({ length: 23 }, (_, i) => ({ name: `nightly-${i + 1}`, round: i + 1 }));
    expect(roundRecordsToDelete(many).map((r) => r.round)).toEqual([1, 2, 3]);
  });
});

describe('the per-item outcomes a record keeps', () => {
  const outcomes = (items: number) =>
    outcomesOf(
      itemsDigest(['mmlu']),
      Array.from({ length: items }, (_, i) => ({ answered: true, correct: i % 2 === 0 })),
    );

  it('keeps the runs’ outcomes, the gated runs’ first while the budget lasts, and not in the gates', () => {
    const gated: BenchmarkSuite = {
      ...suite,
      spec: {
        ...suite.spec,
        gates: [{ name: 'g', benchmark: 'mmlu', candidate: 'candidate', baseline: { target: 'production' } }],
      },
    };
    // Each run's outcomes take nine tenths of a third of the budget (base64: 6 bits a character):
    // three runs' fit, the fourth's do not.
    const third = outcomes(Math.floor((RECORD_OUTCOMES_BUDGET / 3) * 0.9 * 6));
    expect(third.correct.length).toBeLessThan(RECORD_OUTCOMES_BUDGET / 3);
    const runs = [
      run('gsm8k', 'candidate'),
      run('gsm8k', 'production'),
      run('mmlu', 'candidate'),
      run('mmlu', 'production'),
    ];
    const status: SuiteStatus = {
      ...finished(runs),
      gates: [{ name: 'g', round: 3, verdict: 'Passed', message: 'm', value: 0.5, outcomes: outcomes(8) }],
    };
    const record = roundRecordToCreate(
      gated,
      status,
      [],
      undefined,
      new Map(runs.map((r) => [r.name, third])),
    )!;
    expect(record.spec.runs!.map((r) => [r.name, r.outcomes !== undefined])).toEqual([
      ['gsm8k-candidate', true],
      ['gsm8k-production', false],
      ['mmlu-candidate', true],
      ['mmlu-production', true],
    ]);
    expect(record.spec.runs![2]!.outcomes).toEqual(third);
    expect(record.spec.gates![0]).not.toHaveProperty('outcomes');
  });
});
