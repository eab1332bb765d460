import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import reference from '../../../../test/fixtures/stats/reference.json' with { type: 'json' };
import { itemsDigest, outcomesOf } from '../../../../runner/src/contract/outcomes.ts';
import { mcnemarExactPValue } from '../stats/mcnemar.ts';
import { evaluateGate, MESSAGE_LIMIT, type GateRunValue, type GateSpec } from './evaluate.ts';

const versus = (target: string): GateSpec => ({
  name: 'no-regression',
  benchmark: 'mmlu',
  candidate: 'candidate',
  baseline: { target },
});

const atLeast = (threshold: string): GateSpec => ({
  name: 'floor',
  benchmark: 'mmlu',
  candidate: 'candidate',
  baseline: { threshold },
});

const share = (value: number, items = 1000): GateRunValue => ({ value, items });

describe('evaluateGate against a baseline run', () => {
  // The intervals and p-values are statsmodels' (two-proportions.test.ts holds them to 12 places).
  it.each([
    {
      why: 'a real regression fails',
      candidate: 0.7,
      maxDrop: undefined,
      verdict: 'Failed',
      message:
        'mmlu: candidate 0.700 vs production 0.745, −0.045 (95% CI −0.084…−0.006), unpaired p = 0.025 (without per-item outcomes of both runs): ' +
        'a drop beyond 0 (maxDrop)',
    },
    {
      why: 'noise passes',
      candidate: 0.738,
      maxDrop: undefined,
      verdict: 'Passed',
      message:
        'mmlu: candidate 0.738 vs production 0.745, −0.007 (95% CI −0.045…0.031), unpaired p = 0.721 (without per-item outcomes of both runs): ' +
        'no drop beyond 0 (maxDrop) that the data can tell from noise',
    },
    {
      why: 'the same drop within maxDrop passes',
      candidate: 0.7,
      maxDrop: '0.05',
      verdict: 'Passed',
      message:
        'mmlu: candidate 0.700 vs production 0.745, −0.045 (95% CI −0.084…−0.006), unpaired p = 0.025 (without per-item outcomes of both runs): ' +
        'no drop beyond 0.05 (maxDrop) that the data can tell from noise',
    },
    {
      why: 'a drop the interval cannot tell from noise passes',
      candidate: 0.712,
      maxDrop: '0',
      verdict: 'Passed',
      message:
        'mmlu: candidate 0.712 vs production 0.745, −0.033 (95% CI −0.072…0.006), unpaired p = 0.097 (without per-item outcomes of both runs): ' +
        'no drop beyond 0 (maxDrop) that the data can tell from noise',
    },
  ])('$why', ({ candidate, maxDrop, verdict, message }) => {
    const result = evaluateGate(
      { ...versus('production'), maxDrop },
      share(candidate),
      share(0.745),
      'production',
    );
    expect(result).toMatchObject({ name: 'no-regression', verdict, message, method: 'unpaired-proportions' });
    expect(result.candidate).toBeCloseTo(candidate, 12);
    expect(result.baseline).toBeCloseTo(0.745, 12);
    expect(result.difference).toBeCloseTo(candidate - 0.745, 12);
  });

  it('gives the interval and p-value of the comparison', () => {
    const result = evaluateGate(versus('production'), share(0.7), share(0.745), 'production');
    expect(result.low).toBeCloseTo(-0.08406861998143254, 12);
    expect(result.high).toBeCloseTo(-0.005748025783701059, 12);
    expect(result.pValue).toBeCloseTo(0.024625473135947474, 12);
  });

  it('widens the interval with a smaller α: the same drop no longer fails at α = 0.01', () => {
    const result = evaluateGate(
      { ...versus('production'), significance: '0.01' },
      share(0.7),
      share(0.745),
      'production',
    );
    expect(result.verdict).toBe('Passed');
    expect(result.message).toContain('(99% CI ');
  });

  it('says p < 0.001 for a tiny p-value, and names a metric other than the score', () => {
    const result = evaluateGate(
      { ...versus('production'), metric: 'accuracy', baseline: { previousRound: true } },
      share(0.6, 5000),
      share(0.745, 5000),
      'round 6',
    );
    expect(result.verdict).toBe('Failed');
    expect(result.message).toMatch(
      /^mmlu accuracy: candidate 0\.600 vs round 6 0\.745, −0\.145 .*unpaired p < 0\.001 \(without per-item outcomes of both runs\):/,
    );
  });

  it('judges bare values (no item counts) without ever failing', () => {
    const within = evaluateGate(
      { ...versus('production'), maxDrop: '0.05' },
      { value: 0.7 },
      share(0.75),
      'production',
    );
    expect(within).toMatchObject({ verdict: 'Passed', method: 'values-only' });
    expect(within.message).toBe(
      'mmlu: candidate 0.700 vs production 0.750, −0.050: no drop beyond 0.05 (maxDrop); compared as bare ' +
        'values, without item counts',
    );
    const beyond = evaluateGate(versus('production'), share(0.5), { value: 0.75 }, 'production');
    expect(beyond).toMatchObject({ verdict: 'Inconclusive', method: 'values-only', difference: -0.25 });
    expect(beyond.message).toContain('without item counts the result cannot tell a regression from noise');
    expect(evaluateGate(versus('production'), { value: 0.8 }, { value: 0.75 }, 'production').verdict).toBe(
      'Passed',
    );
  });
});

describe('evaluateGate against a threshold', () => {
  it.each([
    // Wilson's 95% interval of 650/1000 is 0.620…0.679: wholly below 0.70.
    {
      why: 'a share wholly below the threshold fails',
      run: share(0.65),
      maxDrop: undefined,
      verdict: 'Failed',
    },
    { why: 'one whose interval reaches it passes', run: share(0.69), maxDrop: undefined, verdict: 'Passed' },
    { why: 'one above it passes', run: share(0.75), maxDrop: undefined, verdict: 'Passed' },
    { why: 'one below within maxDrop passes', run: share(0.65), maxDrop: '0.03', verdict: 'Passed' },
    {
      why: 'a bare value at the threshold passes',
      run: { value: 0.7 },
      maxDrop: undefined,
      verdict: 'Passed',
    },
    {
      why: 'a bare value below it is inconclusive',
      run: { value: 0.65 },
      maxDrop: undefined,
      verdict: 'Inconclusive',
    },
    { why: 'a bare value within maxDrop passes', run: { value: 0.65 }, maxDrop: '0.05', verdict: 'Passed' },
  ])('$why', ({ run, maxDrop, verdict }) => {
    expect(evaluateGate({ ...atLeast('0.70'), maxDrop }, run, undefined, 'threshold 0.70').verdict).toBe(
      verdict,
    );
  });

  it("gives the candidate's Wilson interval, and the difference's interval in low and high", () => {
    const result = evaluateGate(atLeast('0.70'), share(0.65), undefined, 'threshold 0.70');
    expect(result).toMatchObject({ method: 'wilson-threshold', baseline: 0.7 });
    expect(result.pValue).toBeUndefined();
    expect(result.message).toBe(
      'mmlu: candidate 0.650 (95% CI 0.620…0.679, Wilson) vs threshold 0.70, −0.050: a drop beyond 0 (maxDrop)',
    );
    expect(result.high).toBeCloseTo(0.6791 - 0.7, 3);
  });
});

describe('evaluateGate when it cannot judge', () => {
  it.each([
    {
      why: 'no candidate run',
      candidate: undefined,
      baseline: share(0.7),
      says: 'no score from candidate candidate: its run did not succeed',
    },
    {
      why: 'no baseline run',
      candidate: share(0.7),
      baseline: undefined,
      says: 'no score from baseline production: its run did not succeed',
    },
    {
      why: 'a value that is not a number',
      candidate: { value: NaN },
      baseline: share(0.7),
      says: 'is NaN, not a number',
    },
    {
      why: 'an infinite value',
      candidate: share(0.7),
      baseline: { value: -Infinity },
      says: 'is -Infinity, not a number',
    },
    { why: 'no items', candidate: share(0.7, 0), baseline: share(0.7), says: 'over 0 items, is not a share' },
    {
      why: 'a share above 1',
      candidate: share(1.5),
      baseline: share(0.7),
      says: 'is not a share of correct items',
    },
  ])('is inconclusive with $why', ({ candidate, baseline, says }) => {
    const result = evaluateGate(versus('production'), candidate, baseline, 'production');
    expect(result).toMatchObject({ verdict: 'Inconclusive', method: 'not-evaluated' });
    expect(result.message).toContain(says);
  });

  it.each([
    { why: 'maxDrop', spec: { ...versus('production'), maxDrop: 'a lot' }, says: 'maxDrop "a lot" is not' },
    { why: 'a negative maxDrop', spec: { ...versus('production'), maxDrop: '-0.1' }, says: 'maxDrop "-0.1"' },
    { why: 'a blank maxDrop', spec: { ...versus('production'), maxDrop: ' ' }, says: 'maxDrop " "' },
    {
      why: 'significance',
      spec: { ...versus('production'), significance: '0.9' },
      says: 'significance "0.9"',
    },
    {
      why: 'a vanishing significance',
      spec: { ...versus('production'), significance: '1e-300' },
      says: 'significance',
    },
    { why: 'threshold', spec: atLeast('seventy'), says: 'threshold "seventy" is not a decimal number' },
    {
      why: 'two baselines',
      spec: { ...versus('production'), baseline: { target: 'production', previousRound: true } },
      says: 'exactly one of target, previousRound and threshold',
    },
    {
      why: 'no baseline',
      spec: { ...versus('production'), baseline: { previousRound: false } },
      says: 'exactly one',
    },
  ])('is inconclusive with an unusable $why, and says so', ({ spec, says }) => {
    const result = evaluateGate(spec, share(0.7), share(0.7), 'production');
    expect(result.verdict).toBe('Inconclusive');
    expect(result.message).toContain(says);
  });

  it('keeps the message within 400 characters with the longest names', () => {
    const long = (letter: string) => letter.repeat(63);
    const spec: GateSpec = {
      name: long('g'),
      benchmark: long('b'),
      metric: long('m'),
      candidate: long('c'),
      baseline: { target: long('t') },
      maxDrop: '0.000000000000000001',
    };
    const cases = [
      evaluateGate(spec, share(0.7), share(0.745), long('t')),
      evaluateGate(spec, { value: -123456.789 }, { value: 987654.321 }, long('t')),
      evaluateGate(spec, undefined, share(0.7), long('t')),
      evaluateGate(spec, share(0.7), share(1.5, 7), long('t')),
      evaluateGate({ ...spec, baseline: { threshold: '0.7' } }, share(0.1), undefined, long('t')),
      evaluateGate({ ...spec, maxDrop: long('x') }, share(0.7), share(0.745), long('t')),
    ];
    for (const { message } of cases) {
      expect(message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
      expect(message).toContain('bbbbbbbbbbbb');
    }
  });
});

describe('evaluateGate, for any input', () => {
  const decimalText = fc.oneof(
    fc.double({ min: -1, max: 2, noNaN: true }).map(String),
    fc.constantFrom('0', '0.05', '0.5', '', ' ', 'NaN', 'Infinity', '1e-300', '0x10', 'abc'),
    fc.string(),
  );
  const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const name = fc.string({ maxLength: 300 });
  const run: fc.Arbitrary<GateRunValue | undefined> = maybe(
    fc.record({
      value: fc.oneof(fc.double(), fc.double({ min: 0, max: 1, noNaN: true })),
      items: maybe(fc.oneof(fc.integer({ min: -2, max: 100_000 }), fc.double())),
    }),
  );
  const spec: fc.Arbitrary<GateSpec> = fc.record({
    name,
    benchmark: name,
    metric: maybe(name),
    candidate: name,
    baseline: fc.record(
      { target: maybe(name), previousRound: maybe(fc.boolean()), threshold: maybe(decimalText) },
      { requiredKeys: [] },
    ),
    maxDrop: maybe(decimalText),
    significance: maybe(decimalText),
  });

  it('never throws, keeps its message within 400 characters, and fails only on item counts', () => {
    fc.assert(
      fc.property(spec, run, run, name, (gate, candidate, baseline, label) => {
        const result = evaluateGate(gate, candidate, baseline, label);
        expect(['Passed', 'Failed', 'Inconclusive']).toContain(result.verdict);
        expect(result.name).toBe(gate.name);
        expect(result.message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
        if (result.verdict === 'Failed') {
          expect(candidate?.items).toBeDefined();
          if (gate.baseline.threshold === undefined) expect(baseline?.items).toBeDefined();
        }
      }),
    );
  });

  it('never turns a pass into a failure when maxDrop is raised', () => {
    const counted = fc
      .integer({ min: 1, max: 5000 })
      .chain((items) =>
        fc.integer({ min: 0, max: items }).map((correct) => ({ value: correct / items, items })),
      );
    const bare = fc.double({ min: 0, max: 1, noNaN: true }).map((value) => ({ value }));
    const side = fc.oneof(counted, bare);
    const baselineKind = fc.oneof(
      fc.constant({ target: 'production' }),
      fc.constant({ previousRound: true }),
      fc.double({ min: 0, max: 1, noNaN: true }).map((threshold) => ({ threshold: String(threshold) })),
    );
    const drop = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        side,
        side,
        baselineKind,
        drop,
        drop,
        fc.constantFrom('0.01', '0.05', '0.2'),
        (a, b, kind, x, y, alpha) => {
          const gate = (maxDrop: number): GateSpec => ({
            ...versus('production'),
            baseline: kind,
            maxDrop: String(maxDrop),
            significance: alpha,
          });
          const baseline = 'threshold' in kind ? undefined : b;
          const smaller = evaluateGate(gate(Math.min(x, y)), a, baseline, 'production');
          const larger = evaluateGate(gate(Math.max(x, y)), a, baseline, 'production');
          if (smaller.verdict === 'Passed') expect(larger.verdict).toBe('Passed');
          if (larger.verdict === 'Failed') expect(smaller.verdict).toBe('Failed');
        },
      ),
    );
  });
});

describe('evaluateGate over the same items (paired)', () => {
  /** Outcomes of two runs over the same `items`, from the counts of how each pair went. */
  const pairedRuns = (
    {
      bothRight,
      onlyA,
      onlyB,
      bothWrong,
    }: { bothRight: number; onlyA: number; onlyB: number; bothWrong: number },
    digest = itemsDigest(['same items']),
  ): [GateRunValue, GateRunValue] => {
    const a: boolean[] = [];
    const b: boolean[] = [];
    const add = (count: number, right: [boolean, boolean]) => {
      for (let i = 0; i < count; i++) {
        a.push(right[0]);
        b.push(right[1]);
      }
    };
    add(bothRight, [true, true]);
    add(onlyA, [true, false]);
    add(onlyB, [false, true]);
    add(bothWrong, [false, false]);
    const run = (right: boolean[], runDigest: string): GateRunValue => ({
      value: right.filter(Boolean).length / right.length,
      items: right.length,
      outcomes: outcomesOf(
        runDigest,
        right.map((correct) => ({ answered: true, correct })),
      ),
    });
    return [run(a, digest), run(b, itemsDigest(['same items']))];
  };

  it('uses McNemar’s exact test and Newcombe’s paired interval (statsmodels’ values), and fails only when both agree', () => {
    // Newcombe's (1998) example: 59 both right, 6 only the candidate, 16 only the baseline, 80 neither.
    // The interval lies below 0, but the exact test's p is above α: not enough to fail a change.
    const table = reference.newcombePaired.find((r) => r.a === 59 && r.confidence === 0.95)!;
    const [candidate, baseline] = pairedRuns({ bothRight: 59, onlyA: 6, onlyB: 16, bothWrong: 80 });
    const result = evaluateGate(versus('production'), candidate, baseline, 'production');
    expect(result).toMatchObject({ verdict: 'Passed', method: 'paired-mcnemar' });
    expect(result.low).toBeCloseTo(table.low, 12);
    expect(result.high).toBeCloseTo(table.high, 12);
    expect(result.pValue).toBeCloseTo(mcnemarExactPValue(6, 16), 15);
    // At α = 0.1 both agree.
    const lenient = evaluateGate(
      { ...versus('production'), significance: '0.1' },
      candidate,
      baseline,
      'production',
    );
    expect(lenient.verdict).toBe('Failed');
    expect(result.message).toBe(
      'mmlu: candidate 0.404 vs production 0.466, −0.062 (95% CI −0.119…−0.005), McNemar p = 0.052 over 161 ' +
        'paired items (6 right only in candidate, 16 only in production): no drop beyond 0 (maxDrop) that the ' +
        'data can tell from noise',
    );
  });

  it('tells a regression from noise that the unpaired test cannot: the same shares, fewer discordant items', () => {
    // 0.712 vs 0.745 over 1000 items: unpaired, p = 0.097 and the gate passes (above).
    const [candidate, baseline] = pairedRuns({ bothRight: 707, onlyA: 5, onlyB: 38, bothWrong: 250 });
    expect(candidate.value).toBe(0.712);
    expect(baseline.value).toBe(0.745);
    const result = evaluateGate(versus('production'), candidate, baseline, 'production');
    expect(result).toMatchObject({ verdict: 'Failed', method: 'paired-mcnemar' });
    expect(result.pValue).toBeLessThan(0.001);
    const noise = pairedRuns({ bothRight: 700, onlyA: 20, onlyB: 22, bothWrong: 258 });
    expect(evaluateGate(versus('production'), ...noise, 'production')).toMatchObject({
      verdict: 'Passed',
      method: 'paired-mcnemar',
    });
  });

  it('compares unpaired, and says why, when the runs are over different items', () => {
    const [candidate, baseline] = pairedRuns(
      { bothRight: 707, onlyA: 5, onlyB: 38, bothWrong: 250 },
      itemsDigest(['other items']),
    );
    const result = evaluateGate(versus('production'), candidate, baseline, 'production');
    expect(result).toMatchObject({ verdict: 'Passed', method: 'unpaired-proportions' });
    expect(result.message).toContain('unpaired p = 0.097 (the runs are over different items)');
  });

  it('pairs only the items both runs answered', () => {
    const digest = itemsDigest(['x']);
    const run = (answers: Array<[boolean, boolean]>): GateRunValue => {
      const answered = answers.filter(([a]) => a);
      return {
        value: answered.filter(([, c]) => c).length / answered.length,
        items: answered.length,
        outcomes: outcomesOf(
          digest,
          answers.map(([a, correct]) => ({ answered: a, correct })),
        ),
      };
    };
    const result = evaluateGate(
      versus('production'),
      run([
        [true, true],
        [false, false],
        [true, false],
      ]),
      run([
        [true, true],
        [true, true],
        [true, true],
      ]),
      'production',
    );
    expect(result.message).toContain('over 2 paired items (0 right only in candidate, 1 only in production)');
  });
});
