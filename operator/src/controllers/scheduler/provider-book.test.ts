import { describe, expect, it } from 'vitest';
import type { ProviderPolicy } from '../../api/index.ts';
import { ProviderBook } from './provider-book.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('ProviderBook.snapshot', () => {
  it("hands the engine the provider's and each fallback's model allow-list and mapping", () => {
    const policy = {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { namespace: 'ns', name: 'primary', generation: 1 },
      spec: {
        provider: 'openai',
        models: ['gpt-a', 'gpt-b'],
        failover: [{ providerRef: 'backup', models: { 'gpt-a': 'backup-a' } }, { providerRef: 'other' }],
      },
    } as ProviderPolicy;
    const snapshot = new ProviderBook().snapshot('ns/primary', policy, NOW);
    expect(snapshot.models).toEqual(['gpt-a', 'gpt-b']);
    expect(snapshot.failover).toEqual([
      { provider: 'ns/backup', models: { 'gpt-a': 'backup-a' } },
      { provider: 'ns/other', models: {} },
    ]);
  });
});

describe("ProviderBook: a budgeted provider's finished runs before its accounting has them", () => {
  const policy = (status?: ProviderPolicy['status']): ProviderPolicy => ({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { namespace: 'ns', name: 'p', generation: 1 },
    spec: {
      provider: 'openai',
      cost: { currency: 'USD', inputPerMillionTokens: '1', outputPerMillionTokens: '1' },
      budget: { limit: '0.003', period: 'Day' },
    },
    ...(status ? { status } : {}),
  });
  /** The status once `runs` runs spending `amount` are accounted, `jobs` the last second of them. */
  const accounted = (
    amount: string,
    runs: number,
    jobs: string[],
  ): NonNullable<ProviderPolicy['status']> => ({
    spend: { periodStart: '2026-11-22T00:00:00Z', amount, currency: 'USD', runs },
    accountedThrough: { completionTime: '2026-11-22T11:59:00Z', job: jobs.at(-1)!, jobs },
  });
  const finished = (job: string, completionTime = '2026-11-22T11:59:30Z') => ({ job, completionTime });

  it('reserve their expected cost until the accounting has counted them', () => {
    const book = new ProviderBook();
    const before = accounted('0.002', 2, ['a', 'b']);
    book.record('ns/p', policy(before), before, undefined);
    book.runFinished(['ns/p', 'ns/judge'], finished('c'));
    // Spent 0.002 and c's expected 0.001: the budget holds no further run.
    const held = book.snapshot('ns/p', policy(before), NOW).budget!;
    expect(held.spent).toBe(held.limit);
    expect(held.describe).toBe(
      '0.002 of its 0.003 USD daily budget, 1 finished run not yet accounted reserving their expected cost',
    );

    // The accounting counts c at less than expected: its actual spend replaces the reserve.
    const after = {
      ...accounted('0.0025', 3, ['c']),
      accountedThrough: { completionTime: '2026-11-22T11:59:30Z', job: 'c', jobs: ['c'] },
    };
    expect(book.record('ns/p', policy(after), after, undefined), 'the reserve is gone: a pass is due').toBe(
      true,
    );
    const snapshot = book.snapshot('ns/p', policy(after), NOW).budget!;
    expect(snapshot.describe).toBe('0.0025 of its 0.003 USD daily budget');
    expect(snapshot.spent).toBeLessThan(snapshot.limit);
  });

  it('do not hold anything once accounted, as after a restart the status already says', () => {
    const book = new ProviderBook();
    const status = accounted('0.002', 2, ['a', 'b']);
    // The cache's Jobs come before the provider's reconciler has run: b was accounted already.
    book.runFinished(['ns/p'], finished('b', '2026-11-22T11:59:00Z'));
    book.runFinished(['ns/p'], finished('old', '2026-11-22T11:00:00Z'));
    expect(book.snapshot('ns/p', policy(status), NOW).budget!.describe).toBe(
      '0.002 of its 0.003 USD daily budget',
    );
    book.runFinished(['ns/p'], finished('c'));
    expect(book.snapshot('ns/p', policy(status), NOW).budget!.describe).toContain(
      '1 finished run not yet accounted',
    );
  });
});
