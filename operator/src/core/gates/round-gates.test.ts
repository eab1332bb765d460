import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite, Gate, GateStatus, RunStatus } from '../../api/v1alpha1/index.ts';
import { findCondition, setCondition, type Condition } from '../../meta/conditions.ts';
import { validateManifest } from '../../validation/validate.ts';
import { itemsDigest, outcomesOf, type ItemOutcomes } from '../../../../runner/src/contract/outcomes.ts';
import { GATE_OUTCOMES_MAX_ITEMS, gateConditions, roundGates } from './round-gates.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const LATER = new Date('2026-12-07T13:00:00Z');

const suiteWith = (gates: Gate[]): BenchmarkSuite => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name: 's', namespace: 'ns', uid: 'uid-s', generation: 1 },
  spec: {
    runner: { image: 'runner' },
    targets: [
      { name: 'candidate', providerRef: 'p', model: 'b' },
      { name: 'production', providerRef: 'p', model: 'a' },
    ],
    benchmarks: [{ name: 'mmlu' }],
    gates,
  },
});

/** A succeeded run whose score is `correct` of `items` correct items, as bench-runner reports it. */
const run = (target: string, correct: number, items = 1000): RunStatus => ({
  name: `mmlu-${target}`,
  benchmark: 'mmlu',
  target,
  state: 'Succeeded',
  attempt: 1,
  result: { score: correct / items, metrics: { answeredItems: items, correctItems: correct } },
});

type Status = NonNullable<BenchmarkSuite['status']>;
const finished = (round: number, runs: RunStatus[]): Status => ({
  round,
  completionTime: '2026-12-07T11:59:00Z',
  runs,
});

const versusProduction: Gate = {
  name: 'no-regression',
  benchmark: 'mmlu',
  candidate: 'candidate',
  baseline: { target: 'production' },
};

/** Outcomes over `items` of the same items, the first `correct` right. */
const rightFirst = (correct: number, items = 1000): ItemOutcomes =>
  outcomesOf(
    itemsDigest(['mmlu']),
    Array.from({ length: items }, (_, i) => ({ answered: true, correct: i < correct })),
  );

describe('roundGates', () => {
  it('fails a real regression against another target of the round, and keeps the candidate value', () => {
    const { gates, judged } = roundGates(
      suiteWith([versusProduction]),
      finished(3, [run('candidate', 700), run('production', 745)]),
      undefined,
    );
    expect(gates).toEqual([
      expect.objectContaining({
        name: 'no-regression',
        round: 3,
        verdict: 'Failed',
        value: 0.7,
        items: 1000,
      }),
    ]);
    expect(gates![0]!.message).toMatch(/^mmlu: candidate 0\.700 vs production 0\.745, −0\.045 \(95% CI/);
    expect(judged.map((j) => j.verdict.verdict)).toEqual(['Failed']);
  });

  it('passes on noise', () => {
    const { gates } = roundGates(
      suiteWith([versusProduction]),
      finished(3, [run('candidate', 738), run('production', 745)]),
      undefined,
    );
    expect(gates![0]!.verdict).toBe('Passed');
  });

  it('judges a round once: a verdict of this round is kept as it is, and judged is empty', () => {
    const suite = suiteWith([versusProduction]);
    const status = finished(3, [run('candidate', 700), run('production', 745)]);
    const first = roundGates(suite, status, undefined);
    const again = roundGates(suite, status, first.gates);
    expect(again.gates).toEqual(first.gates);
    expect(again.judged).toEqual([]);
  });

  it("keeps the last round's verdicts while the next round runs, and drops a gate no longer in the spec", () => {
    const kept: GateStatus[] = [
      { name: 'no-regression', round: 3, verdict: 'Failed', message: 'm' },
      { name: 'removed', round: 3, verdict: 'Passed', message: 'm' },
    ];
    const running: Status = { round: 4, runs: [] };
    expect(roundGates(suiteWith([versusProduction]), running, kept)).toEqual({
      gates: [kept[0]],
      judged: [],
    });
  });

  it("compares with the candidate's value of the previous round, kept in the previous verdict", () => {
    const gate: Gate = { ...versusProduction, name: 'trend', baseline: { previousRound: true } };
    const previous: GateStatus[] = [
      { name: 'trend', round: 3, verdict: 'Passed', message: 'm', value: 0.745, items: 1000 },
    ];
    const { gates } = roundGates(suiteWith([gate]), finished(4, [run('candidate', 700)]), previous);
    expect(gates![0]).toMatchObject({ round: 4, verdict: 'Failed', value: 0.7 });
    expect(gates![0]!.message).toContain('round 3');
    // The first round has nothing to compare with.
    const first = roundGates(suiteWith([gate]), finished(1, [run('candidate', 700)]), undefined);
    expect(first.gates![0]!.verdict).toBe('Inconclusive');
  });

  it('pairs the runs item by item when both reported their outcomes over the same items', () => {
    // 0.712 vs 0.745: unpaired, noise; paired, every item the candidate got right production did too.
    const outcomes = new Map([
      ['mmlu-candidate', rightFirst(712)],
      ['mmlu-production', rightFirst(745)],
    ]);
    const { gates, judged } = roundGates(
      suiteWith([versusProduction]),
      finished(3, [run('candidate', 712), run('production', 745)]),
      undefined,
      outcomes,
    );
    expect(judged[0]!.verdict).toMatchObject({ verdict: 'Failed', method: 'paired-mcnemar' });
    expect(gates![0]!.message).toContain('McNemar p < 0.001 over 1000 paired items');
    // Kept with the verdict, for the next round's previousRound gates.
    expect(gates![0]!.outcomes).toEqual(rightFirst(712));
  });

  it('pairs with the previous round through the outcomes kept with its verdict, up to the bound', () => {
    const gate: Gate = { ...versusProduction, name: 'trend', baseline: { previousRound: true } };
    const previous: GateStatus[] = [
      {
        name: 'trend',
        round: 3,
        verdict: 'Passed',
        message: 'm',
        value: 0.745,
        items: 1000,
        outcomes: rightFirst(745),
      },
    ];
    const { gates, judged } = roundGates(
      suiteWith([gate]),
      finished(4, [run('candidate', 712)]),
      previous,
      new Map([['mmlu-candidate', rightFirst(712)]]),
    );
    expect(judged[0]!.verdict).toMatchObject({ verdict: 'Failed', method: 'paired-mcnemar' });
    expect(gates![0]!.message).toContain('vs round 3 0.745');
    const many = GATE_OUTCOMES_MAX_ITEMS + 1;
    const large = roundGates(
      suiteWith([gate]),
      finished(4, [run('candidate', 700, many)]),
      previous,
      new Map([['mmlu-candidate', rightFirst(700, many)]]),
    );
    expect(large.gates![0]).not.toHaveProperty('outcomes');
  });

  it('takes a score for its counts’ share to the 4 places bench-runner writes, over shards too', () => {
    // Two shards of 30: 17 and 18 right, accuracies 0.5667 and 0.6 as written, weighted 0.58335.
    const sharded = (target: string, correct: number, score: number): RunStatus => ({
      ...run(target, correct, 60),
      result: { score, metrics: { answeredItems: 60, correctItems: correct } },
    });
    const { judged } = roundGates(
      suiteWith([versusProduction]),
      finished(3, [sharded('candidate', 35, 0.58335), sharded('production', 48, 0.8)]),
      undefined,
    );
    expect(judged[0]!.verdict).toMatchObject({ method: 'unpaired-proportions', candidate: 35 / 60 });
    const { judged: bare } = roundGates(
      suiteWith([versusProduction]),
      finished(3, [sharded('candidate', 35, 0.5836), sharded('production', 48, 0.8)]),
      undefined,
    );
    expect(bare[0]!.verdict.method).toBe('values-only');
  });

  it('is inconclusive when the candidate run failed, and has no gates without spec.gates', () => {
    const failed = { ...run('candidate', 700), state: 'Failed' as const };
    const { gates } = roundGates(
      suiteWith([versusProduction]),
      finished(3, [failed, run('production', 745)]),
      undefined,
    );
    expect(gates![0]!.verdict).toBe('Inconclusive');
    expect(roundGates(suiteWith([]), finished(3, []), undefined)).toEqual({ gates: undefined, judged: [] });
  });
});

describe('gateConditions', () => {
  const failed: GateStatus[] = [{ name: 'g', round: 3, verdict: 'Failed', message: 'a drop' }];
  const roundReady = (at: Date): Condition[] =>
    setCondition([], { type: 'Ready', status: 'True', reason: 'RoundSucceeded', message: 'done' }, at);

  it('makes a finished round with a failed gate Ready=False (GateFailed) and GatesPassed=False', () => {
    const conditions = gateConditions(roundReady(NOW), [], failed, true, 1, NOW);
    expect(findCondition(conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'GateFailed' });
    expect(findCondition(conditions, 'GatesPassed')).toMatchObject({ status: 'False', reason: 'GateFailed' });
  });

  it('keeps the transition times of an unchanged verdict, so a later reconcile writes nothing new', () => {
    const stored = gateConditions(roundReady(NOW), [], failed, true, 1, NOW);
    // A later reconcile sets Ready from the runs first (True, now), then from the gates.
    const again = gateConditions(roundReady(LATER), stored, failed, true, 1, LATER);
    expect(again).toEqual(stored);
  });

  it('says Unknown for an inconclusive gate and True when all passed; without gates the condition goes', () => {
    const inconclusive: GateStatus[] = [{ name: 'g', round: 3, verdict: 'Inconclusive', message: 'no run' }];
    expect(findCondition(gateConditions([], [], inconclusive, true, 1, NOW), 'GatesPassed')?.status).toBe(
      'Unknown',
    );
    const passed: GateStatus[] = [{ name: 'g', round: 3, verdict: 'Passed', message: 'ok' }];
    const conditions = gateConditions(roundReady(NOW), [], passed, true, 1, NOW);
    expect(findCondition(conditions, 'GatesPassed')?.status).toBe('True');
    expect(findCondition(conditions, 'Ready')?.status).toBe('True');
    expect(
      findCondition(gateConditions(conditions, conditions, undefined, true, 1, NOW), 'GatesPassed'),
    ).toBeUndefined();
  });
});

describe('the gates’ status for any gates and results the CRD admits (property)', () => {
  const label = (max: number) =>
    fc
      .stringMatching(new RegExp(`^[a-z0-9]([-a-z0-9]{0,${max - 2}}[a-z0-9])?$`))
      .filter((s) => s.length <= max);
  const decimal = fc.oneof(
    fc.constantFrom('0', '0.5', '0.05', '0.000000001', '9999999999.999999999'),
    fc.tuple(fc.nat(99), fc.nat(999)).map(([a, b]) => `${a}.${b}`),
  );
  const number = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.constant(0.7),
  );

  it('is accepted by the CRD’s schema', () => {
    fc.assert(
      fc.property(
        fc.record({
          gates: fc.uniqueArray(
            fc.record({
              name: label(63),
              metric: fc.option(fc.oneof(fc.constant('score'), fc.string({ maxLength: 128 })), {
                nil: undefined,
              }),
              baseline: fc.oneof(
                fc.constant({ target: 'production' }),
                fc.constant({ previousRound: true }),
                decimal.map((threshold) => ({ threshold })),
              ),
              maxDrop: fc.option(decimal, { nil: undefined }),
              significance: fc.option(fc.constantFrom('0.05', '0.5', '0.000000001', '.1'), {
                nil: undefined,
              }),
            }),
            { selector: (g) => g.name, maxLength: 16 },
          ),
          runs: fc.array(
            fc.record({
              target: fc.constantFrom('candidate', 'production'),
              state: fc.constantFrom<RunStatus['state']>('Succeeded', 'Failed'),
              score: number,
              items: fc.oneof(fc.integer({ min: -2, max: 2_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
              correct: fc.integer({ min: -2, max: 2_000 }),
              metric: number,
              outcomes: fc.option(fc.tuple(fc.integer({ min: 1, max: 9_000 }), fc.nat()), { nil: undefined }),
            }),
            { maxLength: 2 },
          ),
          previousValue: fc.option(number, { nil: undefined }),
        }),
        ({ gates, runs, previousValue }) => {
          const outcomes = new Map(
            runs.flatMap((r) =>
              r.outcomes
                ? [
                    [
                      `mmlu-${r.target}`,
                      rightFirst(r.outcomes[1] % (r.outcomes[0] + 1), r.outcomes[0]),
                    ] as const,
                  ]
                : [],
            ),
          );
          const spec = gates.map((g): Gate => ({ ...g, benchmark: 'mmlu', candidate: 'candidate' }));
          const statusRuns = runs.map((r): RunStatus => ({
            ...run(r.target, 0),
            state: r.state,
            result: {
              score: r.score,
              metrics: {
                answeredItems: r.items,
                correctItems: r.correct,
                ...(spec[0]?.metric ? { [spec[0].metric]: r.metric } : {}),
              },
            },
          }));
          const previous: GateStatus[] = spec.map((g) => ({
            name: g.name,
            round: 2,
            verdict: 'Passed',
            message: 'before',
            ...(previousValue !== undefined ? { value: previousValue } : {}),
          }));
          const suite = suiteWith(spec);
          const status = finished(3, statusRuns);
          const { gates: verdicts } = roundGates(suite, status, previous, outcomes);
          const conditions = gateConditions([], [], verdicts, true, 1, NOW);
          const object = { ...suite, status: { ...status, gates: verdicts, conditions } };
          expect(validateManifest(JSON.parse(JSON.stringify(object)) as typeof object).errors).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
