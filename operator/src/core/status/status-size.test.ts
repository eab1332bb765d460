// The largest status the operator writes, for the largest suite the CRD admits (1000 runs), stays
// within STATUS_MAX_BYTES, and the whole object within etcd's limit; docs/api.md ("What status
// holds") shows the measured sizes, which this file checks are still the measured ones.
import { RECORD_OUTCOMES_BUDGET, roundRecordToCreate } from '../suite/round-record.ts';
import {
  itemsDigest,
  MAX_OUTCOME_ITEMS,
  outcomesOf,
  type ItemOutcomes,
} from '../../../../runner/src/contract/outcomes.ts';
import type { GateStatus } from '../../api/v1alpha1/index.ts';
import { GATE_OUTCOMES_MAX_ITEMS } from '../gates/round-gates.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../../runner/src/evaluate/summary.ts';
import type { ItemResult } from '../../../../runner/src/evaluate/item-result.ts';
import { API_VERSION, type BenchmarkSuite } from '../../api/index.ts';
import { validateManifest } from '../../validation/validate.ts';
import { HEADLINE_METRICS, parseRunResult, STATUS_MAX_METRICS } from '../suite/result.ts';
import type { RunState } from '../suite/run-state.ts';
import { expandRuns } from '../suite/runs.ts';
import { jsonBytes, OBJECT_MAX_BYTES } from './json-size.ts';
import { requestedAtToken } from './requested-at.ts';
import {
  CONDITION_MESSAGE_LIMIT,
  computeSuiteStatus,
  RUN_ENTRY_TIERS,
  GATES_STATUS_RESERVE,
  STATUS_MAX_BYTES,
  type SuiteStatus,
} from './suite-status.ts';
import { terminationMessage } from '../../../../runner/src/outcome/termination-message.ts';

const NOW = new Date('2026-11-22T12:00:00Z');
/** The character that takes the most bytes as stored: `\u003c`, 6. */
const WIDE = '<';
const wide = (length: number) => WIDE.repeat(length);
/** The longest number JSON writes for a finite float64. */
const LONGEST_NUMBER = -1.2345678901234568e-300;
const padded = (prefix: string, i: number, length: number) =>
  `${prefix}${String(i).padStart(3, '0')}`.padEnd(length, 'x');

/**
 * The CRD's largest suite: 100 benchmarks × 10 targets (1000 runs, the most size(targets) ×
 * size(benchmarks) may be), every name as long as its pattern allows, models of 256 of the widest
 * characters.
 */
function largestSuite(model: (i: number) => string = (i) => `${wide(252)}${String(i).padStart(4, '0')}`) {
  const spec: BenchmarkSuite['spec'] = {
    runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
    targets: Array.from({ length: 10 }, (_, i) => ({
      name: padded('t', i, 20),
      providerRef: padded('p', i, 63),
      model: model(i),
    })) as BenchmarkSuite['spec']['targets'],
    benchmarks: Array.from({ length: 100 }, (_, i) => ({
      name: padded('b', i, 40),
    })) as BenchmarkSuite['spec']['benchmarks'],
  };
  const metadata = { name: padded('s', 0, 63), namespace: padded('n', 0, 63), generation: 1 };
  return { metadata, spec };
}

function statusOf(suite: ReturnType<typeof largestSuite>, runs: RunState[], stalled = false): SuiteStatus {
  return computeSuiteStatus({
    suite,
    round: 2_147_483_647,
    runs,
    waiting: new Map(),
    stalled: stalled ? { reason: 'ReferenceMissing', message: wide(40_000) } : undefined,
    extra: {
      lastHandledRequestedAt: requestedAtToken(wide(256)),
      sourceRevision: wide(256),
      roundGeneration: Number.MAX_SAFE_INTEGER,
      lastScheduleTime: '2026-11-22T11:00:00Z',
      lastHandledScheduleTime: '2026-11-22T11:00:00Z',
      nextScheduleTime: '2026-11-22T13:00:00Z',
    },
    now: NOW,
  });
}

/** Every field of a run at its largest, whatever could be in it: more than any real run holds. */
function widestRun(spec: RunState['spec']): RunState {
  const metrics = Object.fromEntries(
    Array.from({ length: 120 }, (_, i) => [`${String(i).padStart(3, '0')}${wide(100)}`, LONGEST_NUMBER]),
  );
  return {
    spec,
    state: 'Succeeded',
    reason: wide(100),
    message: wide(5_000),
    attempt: 2_147_483_647,
    job: wide(100),
    provider: wide(100),
    model: wide(400),
    startTime: '2026-11-22T11:50:00Z',
    completionTime: '2026-11-22T11:59:00Z',
    // A result read back from status may hold a cost.
    result: {
      score: LONGEST_NUMBER,
      metrics,
      usage: { inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: Number.MAX_SAFE_INTEGER },
      judgeUsage: { inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: Number.MAX_SAFE_INTEGER },
      cost: '999999999999999.999999999',
    } as RunState['result'],
    costs: WIDEST_COSTS,
    admissible: false,
  };
}

/** The operator's pricing of a run at its widest: every amount the most the API holds. */
const WIDEST_COSTS = {
  cost: '999999999999999.999999999',
  currency: 'USD',
  reusedCost: '999999999999999.999999999',
  judgeCost: '999999999999999.999999999',
  judgeCurrency: 'EUR',
};

/** MMLU-like results as bench-runner writes them: 57 subjects, 69 metrics. */
function mmluRun(spec: RunState['spec'], job: string): RunState {
  const items = Array.from({ length: 57 * 4 }, (_, i): ItemResult => ({
    index: i,
    line: i + 1,
    category: `high_school_subject_${String(i % 57).padStart(2, '0')}`,
    status: 'answered',
    correct: i % 3 === 0,
    latencyMs: 300 + i,
    usage: { inputTokens: 200, outputTokens: 20 },
  }));
  const parsed = parseRunResult(
    terminationMessage(
      summarize({
        mode: 'accuracy',
        items: items.length,
        results: items,
        elapsedMs: 60_000,
        interrupted: false,
        retries: 2,
      }),
    ),
  );
  if (!parsed.ok) throw new Error(parsed.error);
  return {
    spec,
    state: 'Succeeded',
    reason: 'Succeeded',
    message: 'attempt 1 succeeded',
    attempt: 1,
    job,
    provider: spec.target.providerRef,
    model: spec.target.model,
    startTime: '2026-11-22T11:50:00Z',
    completionTime: '2026-11-22T11:59:00Z',
    result: parsed.result,
    admissible: false,
  };
}

function manifest(suite: ReturnType<typeof largestSuite>, status: SuiteStatus) {
  return { apiVersion: API_VERSION, kind: 'BenchmarkSuite', ...suite, status };
}

/** The sizes docs/api.md states, by what they are of: `<!-- measured: name -->**1,234 bytes**`. */
function documentedSizes(prefix: string): Record<string, number> {
  const doc = readFileSync(path.join(import.meta.dirname, '../../../../docs/api.md'), 'utf8');
  const sizes: Record<string, number> = {};
  for (const match of doc.matchAll(/<!-- measured: ([a-z-]+) -->\*\*([\d,]+) bytes\*\*/g)) {
    if (match[1]!.startsWith(prefix)) sizes[match[1]!] = Number(match[2]!.replaceAll(',', ''));
  }
  return sizes;
}

/**
 * docs/api.md states these sizes as measured. A change of a few bytes (a condition's wording) is
 * let pass; more means the text there is no longer true: write the measured numbers into it.
 */
function expectDocumented(measured: Record<string, number>): void {
  const documented = documentedSizes('');
  for (const [name, bytes] of Object.entries(measured)) {
    const stated = documented[name];
    expect(stated, `docs/api.md states <!-- measured: ${name} --> (What status holds)`).toBeDefined();
    expect(
      Math.abs(stated! - bytes),
      `docs/api.md states ${stated} bytes for ${name}, measured ${bytes}: write the measured number there`,
    ).toBeLessThanOrEqual(1024);
  }
}

const points = (text: string | undefined) => [...(text ?? '')].length;

/** Outcomes over `items` items, every other one not answered: both bitsets at their longest. */
function widestOutcomes(items: number): ItemOutcomes {
  return outcomesOf(
    itemsDigest(['widest']),
    Array.from({ length: items }, (_, i) => ({ answered: i % 2 === 0, correct: i % 4 === 0 })),
  );
}

describe('the gates’ status at its widest', () => {
  it('fits the room the runs’ entries leave it', () => {
    // A metric name of 128 characters that take 6 bytes each as stored, in a message at its bound.
    const gates: GateStatus[] = Array.from({ length: 16 }, (_, i) => ({
      name: `${'g'.repeat(60)}-${String(i).padStart(2, '0')}`,
      round: 2_147_483_647,
      verdict: 'Inconclusive',
      message: '<'.repeat(512),
      value: -2.2250738585072014e-308,
      items: Number.MAX_SAFE_INTEGER,
      outcomes: widestOutcomes(GATE_OUTCOMES_MAX_ITEMS),
    }));
    expect(jsonBytes(gates)).toBeLessThanOrEqual(GATES_STATUS_RESERVE);
  });
});

describe('the largest status', () => {
  // Computing and validating 1000 runs several times over: generous for a loaded machine.
  it(
    'every field of 1000 runs at its widest: the last tier, within STATUS_MAX_BYTES and the object within etcd’s limit',
    { timeout: 120_000 },
    () => {
      const suite = largestSuite();
      const runs = expandRuns(suite.spec).map(widestRun);
      expect(runs).toHaveLength(1000);
      const status = statusOf(suite, runs, true);
      const bytes = jsonBytes(status);
      expect(bytes).toBeLessThanOrEqual(STATUS_MAX_BYTES - GATES_STATUS_RESERVE);
      const last = RUN_ENTRY_TIERS.at(-1)!;
      for (const run of status.runs!) {
        expect(run.result).toEqual({
          score: LONGEST_NUMBER,
          usage: { inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: Number.MAX_SAFE_INTEGER },
          judgeUsage: { inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: Number.MAX_SAFE_INTEGER },
          // The last step keeps the run's own cost only.
          cost: WIDEST_COSTS.cost,
          currency: WIDEST_COSTS.currency,
        });
        expect(run.message).toMatch(/^<+…; 120 of 120 metrics left out$/);
        for (const text of [run.message, run.reason, run.model, run.provider, run.job]) {
          expect(jsonBytes(text) - 2).toBeLessThanOrEqual(last.bytes!);
        }
      }
      expect(status.conditions!.map((c) => [c.type, points(c.message)])).toEqual([
        ['Stalled', CONDITION_MESSAGE_LIMIT],
        ['Ready', CONDITION_MESSAGE_LIMIT],
      ]);
      const object = manifest(suite, status);
      expect(jsonBytes(object)).toBeLessThanOrEqual(OBJECT_MAX_BYTES);
      expect(validateManifest(object).errors).toEqual([]);
      // Every run reported outcomes over the most items, some not answered: the budget keeps some.
      const widest = widestOutcomes(MAX_OUTCOME_ITEMS);
      const record = roundRecordToCreate(
        { ...object, metadata: { ...object.metadata, uid: 'uid-suite' } } as BenchmarkSuite,
        { ...status, round: 1, completionTime: '2026-11-22T12:00:00Z' },
        [],
        undefined,
        new Map(status.runs!.map((run) => [run.name, widest])),
      )!;
      const kept = record.spec.runs!.filter((run) => run.outcomes).length;
      expect(kept).toBe(Math.floor(RECORD_OUTCOMES_BUDGET / (2 * widest.correct.length)));
      expect(jsonBytes(record)).toBeLessThanOrEqual(OBJECT_MAX_BYTES);
      expect(validateManifest(record).errors).toEqual([]);
      expectDocumented({
        'widest-status': bytes,
        'widest-object': jsonBytes(object),
        'widest-round-record': jsonBytes(record),
      });
    },
  );

  it(
    '1000 MMLU runs (69 metrics each): only the headline metrics, the same for every run',
    { timeout: 120_000 },
    () => {
      const suite = largestSuite((i) => `gpt-4o-mini-2024-07-18-${i}`);
      const runs = expandRuns(suite.spec).map((spec, i) => mmluRun(spec, jobName(suite, i)));
      const status = statusOf(suite, runs);
      const bytes = jsonBytes(status);
      expect(bytes).toBeLessThanOrEqual(STATUS_MAX_BYTES);
      const headline = HEADLINE_METRICS.filter((m) => m in runs[0]!.result!.metrics!);
      expect(headline).toHaveLength(12);
      for (const run of status.runs!) {
        expect(Object.keys(run.result!.metrics!)).toEqual(headline);
        expect(run.message).toBe(
          "attempt 1 succeeded; 57 of 69 metrics left out (status holds only headline metrics at this suite's size)",
        );
      }
      expect(validateManifest(manifest(suite, status)).errors).toEqual([]);
      expect({ 'mmlu-status': bytes }, 'the size docs/api.md states (What status holds)').toEqual(
        documentedSizes('mmlu-'),
      );
    },
  );

  it(
    '1000 MMLU runs of models with 256-character names: no metrics, the score kept',
    { timeout: 120_000 },
    () => {
      const suite = largestSuite((i) => `${'m'.repeat(252)}${String(i).padStart(4, '0')}`);
      const runs = expandRuns(suite.spec).map((spec, i) => mmluRun(spec, jobName(suite, i)));
      const status = statusOf(suite, runs);
      expect(jsonBytes(status)).toBeLessThanOrEqual(STATUS_MAX_BYTES);
      for (const run of status.runs!) {
        expect(run.result).toEqual({ score: runs[0]!.result!.score, usage: runs[0]!.result!.usage });
        expect(run.message).toBe(
          "attempt 1 succeeded; 69 of 69 metrics left out (status holds no metrics at this suite's size)",
        );
        expect(points(run.model)).toBe(256);
      }
    },
  );

  it('a status that fits keeps everything: 100 MMLU runs keep 32 metrics each', () => {
    const suite = largestSuite((i) => `model-${i}`);
    const runs = expandRuns(suite.spec)
      .slice(0, 100)
      .map((spec, i) => mmluRun(spec, jobName(suite, i)));
    const status = computeSuiteStatus({ suite, round: 1, runs, waiting: new Map(), now: NOW });
    for (const run of status.runs!) {
      expect(Object.keys(run.result!.metrics!)).toHaveLength(STATUS_MAX_METRICS);
      expect(run.message).toMatch(
        /^attempt 1 succeeded; 37 of 69 metrics left out \(status holds 32, headline/,
      );
    }
  });
});

/** A Job name as long as they are: `<suite>-<round>-<benchmark>-<target>` cut to 63. */
const jobName = (suite: ReturnType<typeof largestSuite>, i: number) =>
  `${suite.metadata.name}-1-${i}`.padEnd(63, 'j').slice(0, 63);
