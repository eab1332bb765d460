import { describe, expect, it } from 'vitest';
import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { computeSuiteStatus } from '../status/suite-status.ts';
import { withCosts } from './run-costs.ts';
import type { RunState } from './run-state.ts';
import { suite } from './test-suite.ts';

const provider = (name: string, cost?: ProviderPolicy['spec']['cost']): [string, ProviderPolicy] => [
  name,
  {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name, namespace: 'ns' },
    spec: { provider: 'openai', ...(cost ? { cost } : {}) },
  },
];
const providers = new Map([
  provider('p', { currency: 'USD', inputPerMillionTokens: '2', outputPerMillionTokens: '10' }),
  provider('backup', { currency: 'EUR', inputPerMillionTokens: '1', outputPerMillionTokens: '1' }),
  provider('graders', { currency: 'USD', inputPerMillionTokens: '0.5', outputPerMillionTokens: '4' }),
  provider('free'),
]);

const spec = suite().spec;
const run = (over: Partial<RunState> = {}, judge?: string): RunState => ({
  spec: {
    name: 'b-t',
    benchmark: { name: 'b', ...(judge ? { judge: { providerRef: judge, model: 'j' } } : {}) },
    target: spec.targets[0],
    order: 0,
  },
  state: 'Succeeded',
  reason: 'Succeeded',
  message: '',
  attempt: 2,
  admissible: false,
  ...over,
});

/** 1,000,000 input and 100,000 output tokens asked anew; 500,000 and 50,000 reused from attempt 1. */
const result = {
  score: 0.5,
  metrics: { reusedItems: 40, reusedInputTokens: 500_000, reusedOutputTokens: 50_000 },
  usage: { inputTokens: 1_000_000, outputTokens: 100_000 },
  judgeUsage: { inputTokens: 2_000_000, outputTokens: 10_000 },
};

describe('withCosts', () => {
  it("prices the run's own requests, what it reused and its judge's, each at its provider's prices", () => {
    const [priced] = withCosts([run({ result, provider: 'p' }, 'graders')], providers);
    expect(priced!.costs).toEqual({
      cost: '3', // 1M × 2 + 0.1M × 10
      currency: 'USD',
      reusedCost: '1.5', // not paid again
      judgeCost: '1.04', // 2M × 0.5 + 0.01M × 4
      judgeCurrency: 'USD',
    });
  });

  it('prices a run that failed over at the prices of the provider that served it', () => {
    const [priced] = withCosts([run({ result: { usage: result.usage }, provider: 'backup' })], providers);
    expect(priced!.costs).toEqual({ cost: '1.1', currency: 'EUR' });
  });

  it('keeps the costs of a result read back from status (its Job gone), whatever the prices now', () => {
    const recorded = { ...result, cost: '0.5', currency: 'USD', judgeCost: '0.1', judgeCurrency: 'USD' };
    const [priced] = withCosts([run({ result: recorded, provider: 'p' }, 'graders')], providers);
    expect(priced!.costs).toEqual({ cost: '0.5', currency: 'USD', judgeCost: '0.1', judgeCurrency: 'USD' });
  });

  it('leaves runs without a result or without prices as they are', () => {
    const queued = run({ state: 'Queued' });
    const unpriced = run({ result, provider: 'free' }, 'free');
    expect(withCosts([queued, unpriced], providers)).toEqual([queued, unpriced]);
  });

  it("puts them in the run's status entry, beside the result", () => {
    const runs = withCosts([run({ result, provider: 'p' }, 'graders')], providers);
    const status = computeSuiteStatus({
      suite: suite(),
      round: 1,
      runs,
      waiting: new Map(),
      now: new Date(),
    });
    expect(status.runs![0]!.result).toMatchObject({
      score: 0.5,
      usage: result.usage,
      judgeUsage: result.judgeUsage,
      cost: '3',
      currency: 'USD',
      reusedCost: '1.5',
      judgeCost: '1.04',
    });
  });
});
