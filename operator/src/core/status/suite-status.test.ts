import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../../runner/src/evaluate/summary.ts';
import type { ItemResult } from '../../../../runner/src/evaluate/item-result.ts';
import { terminationMessage } from '../../../../runner/src/outcome/termination-message.ts';
import { API_VERSION, schemas, type BenchmarkSuite } from '../../api/index.ts';
import { validateManifest } from '../../validation/validate.ts';
import { LABELS } from '../render/labels.ts';
import { observeAttempt, type JobView, type PodView } from '../suite/observe.ts';
import { HEADLINE_METRICS, STATUS_MAX_METRICS, STATUS_MAX_METRIC_NAME } from '../suite/result.ts';
import { deriveRunState, type RunState, type RunStateName } from '../suite/run-state.ts';
import type { RunSpec } from '../suite/runs.ts';
import { computeSuiteStatus, RUN_STATUS_LIMITS, type SuiteStatus } from './suite-status.ts';
import { MMLU_SUBJECTS } from '../../../../test/fixtures/mmlu-subjects.ts';
import { statusStrings } from './test-strings.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const SPEC: BenchmarkSuite['spec'] = {
  runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
  targets: [{ name: 't', providerRef: 'p', model: 'm' }],
  benchmarks: [{ name: 'mmlu' }],
};
const RUN_SPEC: RunSpec = {
  name: 'mmlu-t',
  order: 0,
  benchmark: SPEC.benchmarks[0],
  target: SPEC.targets[0],
};
const JOB = 's-1-mmlu-t';

function job(phase: 'Succeeded' | 'Failed', attempt = 1, model = 'm'): JobView {
  return {
    metadata: {
      name: JOB,
      labels: {
        [LABELS.run]: 'mmlu-t',
        [LABELS.round]: '1',
        [LABELS.attempt]: String(attempt),
        [LABELS.provider]: 'p',
      },
      annotations: { 'bench.dev/model': model },
    },
    status: {
      startTime: '2026-11-22T11:50:00Z',
      completionTime: '2026-11-22T11:59:00Z',
      conditions: [
        {
          type: phase === 'Succeeded' ? 'Complete' : 'Failed',
          status: 'True',
          ...(phase === 'Failed' ? { reason: 'PodFailurePolicy' } : {}),
          lastTransitionTime: '2026-11-22T11:59:00Z',
        },
      ],
    },
  };
}

const pod = (exitCode: number, message: string): PodView => ({
  metadata: { name: `${JOB}-0` },
  status: { containerStatuses: [{ name: 'runner', state: { terminated: { exitCode, message } } }] },
});

/** The run's state from its one Job and pods, as the reconciler derives it. */
function stateOf(jobView: JobView, pods: PodView[], retryLimit = 2): RunState {
  return deriveRunState({
    spec: RUN_SPEC,
    attempts: [observeAttempt(jobView, pods)],
    retry: { limit: retryLimit, backoff: { initial: '10m', jitterPercent: 0 } },
    suiteKey: 'ns/s',
    now: NOW,
  });
}

function statusOf(runs: RunState[], waiting = new Map<string, { reason: string; message: string }>()) {
  return computeSuiteStatus({
    suite: { metadata: { name: 's', namespace: 'ns', generation: 1 }, spec: SPEC },
    round: 1,
    runs,
    waiting,
    now: new Date(NOW),
  });
}

/**
 * The status is what the API server accepts and stores as it is: nothing is lost on the wire
 * (NaN, Infinity, undefined), the suite with it validates against the CRD's schema (the offline
 * validator benchctl validate runs, with the server's messages), every string is well-formed
 * UTF-16 (Go's decoder would replace a lone surrogate), token counts are integers JS counts exactly
 * (the schema's int64, which the validator does not bound).
 */
function expectFitsSchema(status: SuiteStatus): void {
  const manifest = {
    apiVersion: API_VERSION,
    kind: 'BenchmarkSuite',
    metadata: { name: 's', namespace: 'ns' },
    spec: SPEC,
    status,
  };
  const wire = JSON.parse(JSON.stringify(manifest)) as typeof manifest;
  expect(wire.status).toEqual(status);
  expect(validateManifest(wire).errors).toEqual([]);
  expect(statusStrings(status).filter((s) => !s.isWellFormed())).toEqual([]);
  for (const run of status.runs ?? []) {
    for (const n of [run.result?.usage?.inputTokens, run.result?.usage?.outputTokens]) {
      if (n !== undefined) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
    }
  }
}

/** MMLU-like items: two per subject, answered, the first of each right. */
function mmluItems(): ItemResult[] {
  return MMLU_SUBJECTS.flatMap((category, c) =>
    [0, 1].map<ItemResult>((i) => ({
      index: 2 * c + i,
      line: 2 * c + i + 1,
      category,
      status: 'answered',
      correct: i === 0,
      latencyMs: 300 + c * 10 + i,
      usage: { inputTokens: 200, outputTokens: 20 },
    })),
  );
}

describe('a run’s status entry: result', () => {
  it('the limits are the CRD’s', () => {
    const run = (
      schemas.BenchmarkSuite as {
        properties: {
          status: {
            properties: { runs: { items: { properties: Record<string, Record<string, unknown>> } } };
          };
        };
      }
    ).properties.status.properties.runs.items.properties;
    for (const [field, limit] of Object.entries(RUN_STATUS_LIMITS))
      expect([field, run[field]!.maxLength]).toEqual([field, limit]);
    const result = run.result as { properties: { metrics: { maxProperties: number } } };
    expect(result.properties.metrics.maxProperties).toBe(STATUS_MAX_METRICS);
  });

  it('an MMLU-like result of 69 metrics keeps 32, the headline ones first, and says where the rest are', () => {
    const result = summarize({
      mode: 'accuracy',
      items: 114,
      results: mmluItems(),
      elapsedMs: 10_000,
      interrupted: false,
      retries: 3,
    });
    expect(Object.keys(result.metrics)).toHaveLength(69);
    const message = terminationMessage(result);
    const state = stateOf(job('Succeeded'), [pod(0, message)]);
    const status = statusOf([state]);
    const entry = status.runs![0]!;

    const kept = Object.keys(entry.result!.metrics!);
    expect(kept).toHaveLength(32);
    const headline = HEADLINE_METRICS.filter((name) => name in result.metrics);
    expect(headline).toEqual([
      'items',
      'answeredItems',
      'failedItems',
      'correctItems',
      'retries',
      'accuracy',
      'outputTokensPerSecond',
      'latencyP50Ms',
      'latencyP90Ms',
      'latencyP99Ms',
      'requestsPerSecond',
      'throughputTokensPerSecond',
    ]);
    // The headline metrics, then the first 20 subjects by name.
    expect(kept).toEqual([...headline, ...MMLU_SUBJECTS.slice(0, 20).map((s) => `accuracy/${s}`)]);
    for (const name of kept) expect(entry.result!.metrics![name]).toBe(result.metrics[name]);
    expect(entry.result!.score).toBe(0.5);
    expect(entry.result!.usage).toEqual({ inputTokens: 114 * 200, outputTokens: 114 * 20 });
    expect(entry.state).toBe('Succeeded');
    expect(entry.message).toBe(
      "attempt 1 succeeded; 37 of 69 metrics left out (status holds 32, headline metrics first): the whole result is in the termination message and log of Job s-1-mmlu-t's pods",
    );
    expectFitsSchema(status);

    // Once the Job is gone (its TTL), the status says the same from what it already holds.
    const again = statusOf([
      deriveRunState({
        spec: RUN_SPEC,
        attempts: [],
        previous: entry,
        retry: {},
        suiteKey: 'ns/s',
        now: NOW,
      }),
    ]);
    expect(again.runs![0]).toEqual(entry);
  });

  it('shards: their combined result is bounded the same way', () => {
    const results = mmluItems();
    const shardMessages = [0, 1].map((k) =>
      terminationMessage(
        summarize({
          mode: 'accuracy',
          items: 57,
          results: results.filter((_, i) => i % 2 === k),
          elapsedMs: 5_000,
          interrupted: false,
          retries: 0,
        }),
      ),
    );
    const status = statusOf([
      stateOf(
        job('Succeeded'),
        shardMessages.map((m) => pod(0, m)),
      ),
    ]);
    expect(Object.keys(status.runs![0]!.result!.metrics!)).toHaveLength(32);
    expect(status.runs![0]!.message).toContain('37 of 69 metrics left out');
    expectFitsSchema(status);
  });

  it('a result that fits is kept as it is, without a note', () => {
    const message = JSON.stringify({
      score: 0.5,
      metrics: { accuracy: 0.5, 'accuracy/x': 1 },
      usage: { inputTokens: 1, outputTokens: 2 },
    });
    const entry = statusOf([stateOf(job('Succeeded'), [pod(0, message)])]).runs![0]!;
    expect(entry.result).toEqual({
      score: 0.5,
      metrics: { accuracy: 0.5, 'accuracy/x': 1 },
      usage: { inputTokens: 1, outputTokens: 2 },
    });
    expect(entry.message).toBe('attempt 1 succeeded');
  });

  it('aggregates before breakdowns; long names shortened; non-finite numbers, odd token counts and names that collide made to fit', () => {
    const metrics: Record<string, number> = {
      'accuracy/a': 1,
      zeta: 2,
      alpha: 3,
      answeredItems: 4,
      broken: Number.POSITIVE_INFINITY,
      nan: Number.NaN,
      minusZero: -0,
    };
    const long = `accuracy/${'x'.repeat(100)}`;
    metrics[long] = 5;
    metrics[`${long}-other`] = 6; // the same name once shortened
    for (let i = 0; i < 40; i++) metrics[`accuracy/c${String(i).padStart(2, '0')}`] = i;
    const state: RunState = {
      spec: RUN_SPEC,
      state: 'Succeeded',
      reason: 'Succeeded',
      message: 'attempt 1 succeeded',
      attempt: 1,
      job: JOB,
      result: { score: Number.NaN, metrics, usage: { inputTokens: -3, outputTokens: 1e300 } },
      admissible: false,
    };
    const status = statusOf([state]);
    const result = status.runs![0]!.result!;
    expect(Object.keys(result.metrics!).slice(0, 5)).toEqual([
      'answeredItems',
      'alpha',
      'minusZero',
      'zeta',
      'accuracy/a',
    ]);
    expect(Object.is(result.metrics!.minusZero, 0)).toBe(true);
    expect(Object.keys(result.metrics!)).toHaveLength(32);
    expect(result.score).toBeUndefined();
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: Number.MAX_SAFE_INTEGER });
    // 49 metrics: 2 not numbers, 32 kept, 15 left out for room.
    expect(status.runs![0]!.message).toContain('; 17 of 49 metrics left out');
    expectFitsSchema(status);

    const names = { [long]: 5, [`${long}-other`]: 6 };
    const short = statusOf([{ ...state, result: { metrics: names } }]).runs![0]!;
    expect(short.result!.metrics).toEqual({ [`accuracy/${'x'.repeat(STATUS_MAX_METRIC_NAME - 10)}…`]: 5 });
    expect(short.message).toContain('1 of 2 metrics left out');
    // The order of the runner's metrics does not matter.
    const reversed = Object.fromEntries(Object.entries(metrics).reverse());
    expect(statusOf([{ ...state, result: { ...state.result, metrics: reversed } }])).toEqual(status);
  });
});

describe('a run’s status entry: message', () => {
  it('a failed attempt shows bench-runner’s error, shortened, and still says when it is retried', () => {
    const error = `provider unavailable: ${'upstream said 😀 '.repeat(500)}`;
    const message = terminationMessage({
      ...summarize({
        mode: 'accuracy',
        items: 114,
        results: mmluItems(),
        elapsedMs: 1,
        interrupted: false,
        retries: 0,
      }),
      error,
    });
    expect([...message].length).toBeGreaterThan(2_000);
    const entry = statusOf([stateOf(job('Failed'), [pod(10, message)])]).runs![0]!;
    expect(entry.state).toBe('Retrying');
    expect(
      entry.message!.startsWith('attempt 1 failed (exit code 10): provider unavailable: upstream said 😀'),
    ).toBe(true);
    expect(entry.message).not.toContain('"metrics"');
    expect(entry.message).toMatch(/…; retrying at 2026-11-22T12:0\d:\d\d\.\d{3}Z$/);
    expect([...entry.message!].length).toBeLessThanOrEqual(512);
  });

  it('the end of a log (no termination message) is shortened on a character boundary', () => {
    const log = '😀'.repeat(1_024); // 4 KiB, two UTF-16 units a character
    const entry = statusOf([stateOf(job('Failed', 3), [pod(1, log)])]).runs![0]!;
    expect(entry.state).toBe('Failed');
    expect(entry.message).toMatch(/^attempt 3 failed \(exit code 1\): 😀+…; no retries left \(limit 2\)$/u);
    expect(entry.message!.isWellFormed()).toBe(true);
    expectFitsSchema(statusOf([stateOf(job('Failed', 3), [pod(1, log)])]));
  });

  it('a waiting message, a reason and a model too long for status are shortened', () => {
    const state: RunState = {
      spec: RUN_SPEC,
      state: 'Queued',
      reason: 'Queued',
      message: '',
      attempt: 0,
      admissible: true,
      model: 'm'.repeat(300),
    };
    const status = statusOf(
      [state],
      new Map([['mmlu-t', { reason: 'R'.repeat(100), message: 'x'.repeat(1_000) }]]),
    );
    const entry = status.runs![0]!;
    expect(entry.reason).toBe(`${'R'.repeat(63)}…`);
    expect(entry.message).toBe(`${'x'.repeat(511)}…`);
    expect(entry.model).toBe(`${'m'.repeat(255)}…`);
    expectFitsSchema(status);
  });
});

const STATES: RunStateName[] = ['Queued', 'Running', 'Succeeded', 'Failed', 'Retrying', 'Blocked'];
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const anyName = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  anyText(80),
  fc.constantFrom(...HEADLINE_METRICS),
);

describe('every write fits its schema (properties)', () => {
  // Compiling the schema and generating big inputs is the slow part: a generous timeout for a loaded machine.
  it('whatever the runner writes to its pods’ termination messages', { timeout: 120_000 }, () => {
    const number = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.constant(1e300),
    );
    const result = fc.record(
      {
        score: number,
        metrics: fc.dictionary(anyName, number, { maxKeys: 120 }),
        usage: fc.record({ inputTokens: number, outputTokens: number }, { requiredKeys: [] }),
        error: anyText(600),
      },
      { requiredKeys: [] },
    );
    const message = fc.oneof(
      result.map((r) => JSON.stringify(r)),
      anyText(4_096),
    );
    fc.assert(
      fc.property(
        fc.constantFrom<'Succeeded' | 'Failed'>('Succeeded', 'Failed'),
        fc.array(message, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 1, max: 12 }),
        anyText(400),
        (phase, messages, exitCode, attempt, model) => {
          const pods = messages.map((m) => pod(phase === 'Succeeded' ? 0 : Math.max(1, exitCode), m));
          expectFitsSchema(statusOf([stateOf(job(phase, attempt, model), pods, 10)]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it(
    'whatever a run’s state holds (results combined or read back, waiting messages)',
    { timeout: 120_000 },
    () => {
      const state = fc.record({
        state: fc.constantFrom(...STATES),
        reason: anyText(100),
        message: anyText(2_000),
        attempt: fc.integer({ min: 0, max: 100 }),
        job: fc.option(anyText(100), { nil: undefined }),
        provider: fc.option(anyText(100), { nil: undefined }),
        model: fc.option(anyText(400), { nil: undefined }),
        admissible: fc.boolean(),
        result: fc.option(
          fc.record(
            {
              score: fc.double(),
              metrics: fc.dictionary(anyName, fc.double(), { maxKeys: 100 }),
              usage: fc.record({ inputTokens: fc.double(), outputTokens: fc.double() }, { requiredKeys: [] }),
            },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        ),
      });
      fc.assert(
        fc.property(
          fc.array(state, { minLength: 1, maxLength: 3 }),
          fc.option(fc.record({ reason: anyText(100), message: anyText(2_000) }), { nil: undefined }),
          (states, waiting) => {
            const runs: RunState[] = states.map((s) => {
              const run: RunState = {
                spec: RUN_SPEC,
                state: s.state,
                reason: s.reason,
                message: s.message,
                attempt: s.attempt,
                admissible: s.admissible,
              };
              if (s.job !== undefined) run.job = s.job;
              if (s.provider !== undefined) run.provider = s.provider;
              if (s.model !== undefined) run.model = s.model;
              if (s.result !== undefined) run.result = s.result;
              return run;
            });
            expectFitsSchema(statusOf(runs, new Map(waiting ? [['mmlu-t', waiting]] : [])));
          },
        ),
        { numRuns: 150 },
      );
    },
  );
});
