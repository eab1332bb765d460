// The runner contract's variables that tell a run how to reach a provider: the target's
// (BENCH_PROVIDER, BENCH_ENDPOINT, ...) and, for a benchmark with a judge, the judge's
// (BENCH_JUDGE_PROVIDER, ...), the same shape under other names (contract/env.ts names both).
import type { V1EnvVar } from '@kubernetes/client-node';
import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import type { ProviderVariables } from '../../../../runner/src/contract/env.ts';

/**
 * How a run reaches a provider: its type, endpoint, model and parameters, its share of the
 * provider's rate limits (the policy's limit over its concurrent runs), and its API key as a
 * reference to the policy's Secret, which the kubelet reads and the operator never does.
 */
export function providerEnv(
  names: ProviderVariables,
  provider: Pick<ProviderPolicy, 'spec'>,
  model: string,
  parameters: Record<string, string> | undefined,
): V1EnvVar[] {
  const spec = provider.spec;
  const perRun = (limit: number | undefined): string | undefined =>
    limit === undefined ? undefined : String(Math.max(1, Math.floor(limit / (spec.maxConcurrentRuns ?? 1))));
  const rpm = perRun(spec.rateLimit?.requestsPerMinute);
  const tpm = perRun(spec.rateLimit?.tokensPerMinute);
  return [
    { name: names.provider, value: spec.provider },
    { name: names.model, value: model },
    { name: names.endpoint, value: spec.endpoint ?? '' },
    // bench-runner sends a key to a plain http:// endpoint only with this (the policy's say-so).
    ...(spec.allowPlainHTTP === true ? [{ name: names.allowPlainHttp, value: 'true' }] : []),
    { name: names.parameters, value: JSON.stringify(parameters ?? {}) },
    ...(rpm ? [{ name: names.rateLimitRpm, value: rpm }] : []),
    ...(tpm ? [{ name: names.rateLimitTpm, value: tpm }] : []),
    ...(spec.credentialsSecretRef
      ? [
          {
            name: names.apiKey,
            valueFrom: {
              secretKeyRef: {
                name: spec.credentialsSecretRef.name,
                key: spec.credentialsSecretRef.key ?? 'apiKey',
              },
            },
          },
        ]
      : []),
  ];
}
