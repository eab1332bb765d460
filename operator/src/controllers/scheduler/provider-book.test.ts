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
