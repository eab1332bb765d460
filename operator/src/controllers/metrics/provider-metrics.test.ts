import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { JobObject, ProviderObject } from '../caches.ts';
import { registerProviderMetrics } from './provider-metrics.ts';
import { arraySources, samples } from './test-sources.ts';

function provider(name: string, spec: object = {}, status: object = {}): ProviderObject {
  return {
    metadata: { namespace: 'team', name },
    spec: { provider: 'openai', ...spec },
    status,
  } as unknown as ProviderObject;
}

function job(name: string, providerpolicy: string, finished?: 'Complete' | 'Failed'): JobObject {
  return {
    metadata: { namespace: 'team', name, labels: { 'bench.dev/provider': providerpolicy } },
    status: finished ? { conditions: [{ type: finished, status: 'True' }] } : { active: 1 },
  };
}

function setup() {
  const registry = new Registry();
  const { state, sources } = arraySources(Date.parse('2025-06-15T12:00:00Z'));
  registerProviderMetrics(registry, sources);
  return { registry, state };
}

describe('provider metrics', () => {
  it('shows each circuit as one state at 1, Closed when the status has none yet', async () => {
    const { registry, state } = setup();
    state.providers = [provider('flaky', {}, { circuit: { state: 'HalfOpen' } }), provider('fresh')];
    expect(await samples(registry, 'bench_providerpolicy_circuit_state')).toEqual({
      'namespace=team,providerpolicy=flaky,state=Closed': 0,
      'namespace=team,providerpolicy=flaky,state=HalfOpen': 1,
      'namespace=team,providerpolicy=flaky,state=Open': 0,
      'namespace=team,providerpolicy=fresh,state=Closed': 1,
      'namespace=team,providerpolicy=fresh,state=HalfOpen': 0,
      'namespace=team,providerpolicy=fresh,state=Open': 0,
    });
  });

  it("counts a provider's unfinished Jobs against its cap", async () => {
    const { registry, state } = setup();
    state.providers = [provider('capped', { maxConcurrentRuns: 4 }), provider('open')];
    state.jobs = [
      job('j1', 'capped'),
      job('j2', 'capped'),
      job('j3', 'capped', 'Complete'),
      job('j4', 'open', 'Failed'),
    ];
    expect(await samples(registry, 'bench_providerpolicy_active_runs')).toEqual({
      'namespace=team,providerpolicy=capped': 2,
      'namespace=team,providerpolicy=open': 0,
    });
    expect(await samples(registry, 'bench_providerpolicy_max_concurrent_runs')).toEqual({
      'namespace=team,providerpolicy=capped': 4,
    });
  });

  it("reports the current period's spend and the limit in the policy's currency; an earlier period's spend is 0", async () => {
    const { registry, state } = setup();
    const cost = { inputPerMillionTokens: '2.50', outputPerMillionTokens: '10', currency: 'EUR' };
    state.providers = [
      provider(
        'monthly',
        { cost, budget: { limit: '250', period: 'Month' } },
        { spend: { periodStart: '2025-06-01T00:00:00Z', amount: '12.345000001', runs: 3 } },
      ),
      provider(
        'daily',
        { cost: { ...cost, currency: undefined }, budget: { limit: '99.90', period: 'Day' } },
        { spend: { periodStart: '2025-06-14T00:00:00Z', amount: '80', runs: 8 } },
      ),
      provider('unbudgeted', { cost }),
    ];
    expect(await samples(registry, 'bench_providerpolicy_budget_spent')).toEqual({
      'namespace=team,providerpolicy=daily,currency=USD': 0,
      'namespace=team,providerpolicy=monthly,currency=EUR': 12.345000001,
    });
    expect(await samples(registry, 'bench_providerpolicy_budget_limit')).toEqual({
      'namespace=team,providerpolicy=daily,currency=USD': 99.9,
      'namespace=team,providerpolicy=monthly,currency=EUR': 250,
    });
  });

  it("drops a deleted policy's series; a standby exports none", async () => {
    const { registry, state } = setup();
    state.providers = [provider('a'), provider('b')];
    expect(await registry.metrics()).toContain('providerpolicy="a"');
    state.providers = [provider('b')];
    const after = await registry.metrics();
    expect(after).not.toContain('providerpolicy="a"');
    expect(after).toContain('providerpolicy="b"');
    state.leader = false;
    expect(await registry.metrics()).not.toContain('providerpolicy=');
  });
});
