import type { BenchmarkSuite } from '../../operator/src/api/v1alpha1/index.ts';
import { stringify } from 'yaml';
import { kubectlApply, kubectlGetJson } from './kubectl.ts';
import { waitFor } from './wait.ts';

export type SuiteStatusView = NonNullable<BenchmarkSuite['status']>;

/**
 * A ProviderPolicy `solo` whose runs succeed: its endpoint names none of the failures the simulated
 * pods act out (hack/testenv/stages/pod-simulated-provider-failure.yaml), capped at `maxConcurrentRuns`.
 */
export async function applyHealthyProvider(namespace: string, maxConcurrentRuns: number): Promise<void> {
  await kubectlApply(
    stringify({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'solo' },
      spec: { provider: 'openai-compatible', endpoint: 'http://healthy.kwok.invalid', maxConcurrentRuns },
    }),
    { namespace },
  );
}

/** The Jobs of `kubectl get jobs -o json`, with the fields the tests read. */
export interface JobList {
  items: Array<{
    metadata: {
      name: string;
      creationTimestamp: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    spec: {
      completions?: number;
      completionMode?: string;
      template: {
        spec: {
          priorityClassName?: string;
          tolerations?: unknown[];
          affinity?: { nodeAffinity?: unknown };
          containers: Array<{
            resources?: unknown;
            env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
          }>;
        };
      };
    };
    status?: { conditions?: Array<{ type: string; status: string }> };
  }>;
}

export async function suiteStatus(namespace: string, name: string): Promise<SuiteStatusView> {
  const suite = await kubectlGetJson<BenchmarkSuite>(['benchmarksuite', name], { namespace });
  return suite.status ?? {};
}

/** Waits until the suite's status satisfies `ready`; on timeout, the failure shows the last status seen. */
export function waitForSuite(
  namespace: string,
  name: string,
  ready: (status: SuiteStatusView) => boolean,
  timeoutMs = 60_000,
): Promise<SuiteStatusView> {
  return waitFor(
    `BenchmarkSuite ${namespace}/${name} to reach the expected status`,
    async () => {
      const status = await suiteStatus(namespace, name);
      const { runs: _runs, ...summary } = status;
      return {
        done: ready(status),
        value: status,
        seen: {
          ...summary,
          runs: status.runs?.map((r) => `${r.name}: ${r.state} ${r.reason ?? ''} ${r.message ?? ''}`),
        },
      };
    },
    { timeoutMs },
  );
}
