// Runs that go wrong below the runner, on the real node (hack/testenv/node): a wrong image, a
// missing Secret key, an image that runs as root under runAsNonRoot, a GPU no node has, and a
// runner killed for memory. Each shows its own reason and the kubelet's or scheduler's words where a
// user looks (kubectl get and describe), is stopped within the SchedulePolicy's startTimeout when
// it cannot start, and leaves its provider's circuit and budget alone (docs/run-failures.md).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ProviderPolicy } from '../../../operator/src/api/v1alpha1/index.ts';
import { eventsFor } from '../../support/events.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../../support/kubectl.ts';
import { useNamespace } from '../../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../../support/operator.ts';
import { repoRoot } from '../../support/paths.ts';
import { RUNNER_IMAGE, realNodePlacement } from '../../support/real-node.ts';
import { waitForSuite, type SuiteStatusView } from '../../support/suites.ts';

/** Registered by real-node.e2e.test.ts, which runs everything that uses the node one after the other. */
export function runFailuresOnTheRealNode(): void {
  const namespace = useNamespace('run-failures');
  stopOperatorsAfterAll();

  /** The Node base image of the project's images: it runs as root (no USER). */
  const ROOT_IMAGE = 'localhost/bench-operator/node:24-bookworm-slim';
  const START_TIMEOUT = '20s';
  /** Starting real containers on two CPUs shared with the rest of the e2e run. */
  const CASE_TIMEOUT_MS = 240_000;

  function loadRootImage(): void {
    const built = execFileSync(path.join(repoRoot, 'hack/images/build.sh'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const archive = /^node-base=(\S+)$/m.exec(built)?.[1];
    if (!archive) throw new Error(`hack/images/build.sh printed no node-base archive:\n${built}`);
    execFileSync(path.join(repoRoot, 'hack/testenv/node/node.sh'), ['load', archive], { stdio: 'inherit' });
  }

  /** A provider whose circuit opens on its first failure and which spends on any token used. */
  const provider = (name: string, secret: string) => ({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name },
    spec: {
      provider: 'openai-compatible',
      endpoint: 'http://stand-in.invalid/v1',
      credentialsSecretRef: { name: secret },
      allowPlainHTTP: true,
      cost: { currency: 'USD', inputPerMillionTokens: '1', outputPerMillionTokens: '1' },
      budget: { limit: '10', period: 'Day' },
      circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
    },
  });

  function suite(
    name: string,
    runner: Record<string, unknown>,
    benchmark: Record<string, unknown> = {},
    providerRef = 'keyed',
  ) {
    return {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name },
      spec: {
        schedulePolicyRef: 'real',
        runner: { image: RUNNER_IMAGE, ...runner },
        targets: [{ name: 'm', providerRef, model: 'model-1' }],
        benchmarks: [{ name: 'b', ...benchmark }],
        retry: { limit: 0 },
      },
    };
  }

  const finished = (status: SuiteStatusView) => status.phase === 'Failed' || status.phase === 'Succeeded';

  /**
   * Waits for the suite's one run to show `reason` while its Job is running (what a user sees before
   * the start timeout), then to fail with it; returns both run entries.
   */
  async function failsWith(suiteName: string, reason: string) {
    const ns = namespace();
    const running = await waitForSuite(
      ns,
      suiteName,
      (s) => s.runs?.[0]?.reason === reason || finished(s),
      CASE_TIMEOUT_MS,
    );
    const final = await waitForSuite(ns, suiteName, finished, CASE_TIMEOUT_MS);
    const run = final.runs![0]!;
    expect(run, JSON.stringify(final.runs, null, 2)).toMatchObject({ state: 'Failed', reason });
    return { during: running.runs![0]!, run, status: final };
  }

  /** What `kubectl get bs -o wide` and `kubectl describe bs` print for the suite. */
  async function shown(suiteName: string): Promise<{ row: string; describe: string }> {
    const ns = namespace();
    const { stdout: row } = await kubectl(
      ['get', 'benchmarksuite', suiteName, '-o', 'wide', '--no-headers'],
      {
        namespace: ns,
      },
    );
    const { stdout: describe } = await kubectl(['describe', 'benchmarksuite', suiteName], { namespace: ns });
    return { row, describe };
  }

  describe('runs that go wrong below the runner, on the real node', () => {
    beforeAll(async () => {
      loadRootImage();
      const ns = namespace();
      // `keyed` has the key its policy names; `keyless` a Secret without it.
      await kubectl(['create', 'secret', 'generic', 'keyed', '--from-literal=apiKey=not-a-real-key'], {
        namespace: ns,
      });
      await kubectl(['create', 'secret', 'generic', 'keyless', '--from-literal=token=not-a-real-key'], {
        namespace: ns,
      });
      await kubectlApply(
        [
          provider('keyed', 'keyed'),
          provider('keyless', 'keyless'),
          {
            apiVersion: 'bench.dev/v1alpha1',
            kind: 'SchedulePolicy',
            metadata: { name: 'real' },
            spec: {
              placement: realNodePlacement,
              startTimeout: START_TIMEOUT,
              resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '256Mi' } },
            },
          },
        ]
          .map((o) => stringify(o))
          .join('---\n'),
        { namespace: ns },
      );
      startOperator({ namespaces: [ns] });
      await kubectlApply(
        [
          suite('wrong-image', { image: 'registry.invalid/bench-runner:0.1.0' }),
          suite('missing-key', {}, {}, 'keyless'),
          suite('root-image', { image: ROOT_IMAGE, command: ['node', '-e', 'setTimeout(() => {}, 1000)'] }),
          suite('gpu', {}, { resources: { limits: { 'nvidia.com/gpu': '1' } } }),
          suite(
            'memory',
            { command: ['node', '-e', 'const kept = []; for (;;) kept.push(Buffer.alloc(1 << 20, 1));'] },
            { resources: { limits: { memory: '64Mi' } } },
          ),
        ]
          .map((o) => stringify(o))
          .join('---\n'),
        { namespace: ns },
      );
    });

    it(
      "a wrong image: ImagePullFailed with the kubelet's words, stopped at the start timeout",
      { timeout: CASE_TIMEOUT_MS * 2 },
      async () => {
        const { during, run } = await failsWith('wrong-image', 'ImagePullFailed');
        expect(during.message).toMatch(/ErrImagePull|ImagePullBackOff/);
        expect(during.message).toContain('the attempt is stopped at');
        expect(run.message).toContain(`did not start within 20s`);
        expect(run.message).toContain('registry.invalid/bench-runner:0.1.0');
        expect(run.message).toContain('not retried');
        const { row, describe } = await shown('wrong-image');
        expect(row).toMatch(/^wrong-image\s+Failed\s+1\/1\s+True\b/);
        expect(row).toContain('ImagePullFailed');
        expect(describe).toMatch(/Warning\s+ImagePullFailed/);
        expect(describe).toMatch(/Warning\s+RunStopped/);
      },
    );

    it(
      'a missing Secret key: ContainerConfigError naming the key and the Secret',
      { timeout: CASE_TIMEOUT_MS * 2 },
      async () => {
        const { during, run } = await failsWith('missing-key', 'ContainerConfigError');
        const words = `couldn't find key apiKey in Secret ${namespace()}/keyless`;
        expect(during.message).toContain(words);
        expect(run.message).toContain(words);
        const { row, describe } = await shown('missing-key');
        expect(row).toContain('ContainerConfigError');
        expect(describe).toContain(words);
      },
    );

    it(
      'an image that runs as root under runAsNonRoot: ContainerConfigError saying so',
      { timeout: CASE_TIMEOUT_MS * 2 },
      async () => {
        const { run } = await failsWith('root-image', 'ContainerConfigError');
        expect(run.message).toContain('runAsNonRoot and image will run as root');
        expect((await shown('root-image')).describe).toContain('runAsNonRoot');
      },
    );

    it(
      "a GPU no node has: Unschedulable with the scheduler's message",
      { timeout: CASE_TIMEOUT_MS * 2 },
      async () => {
        const { during, run } = await failsWith('gpu', 'Unschedulable');
        expect(during.message).toMatch(/0\/\d+ nodes are available: .*Insufficient nvidia\.com\/gpu/);
        expect(run.message).toContain('Insufficient nvidia.com/gpu');
        expect(run.message).toContain('no retries left');
        const { row, describe } = await shown('gpu');
        expect(row).toContain('Unschedulable');
        expect(describe).toMatch(/Warning\s+Unschedulable/);
      },
    );

    it('a runner killed for memory: OOMKilled, not retried', { timeout: CASE_TIMEOUT_MS * 2 }, async () => {
      const { run } = await failsWith('memory', 'OOMKilled');
      expect(run.message).toContain('more memory than its limit');
      const { row, describe } = await shown('memory');
      expect(row).toContain('OOMKilled');
      expect(describe).toMatch(/Warning\s+RunFailed/);
    });

    it("none of them moved a provider's circuit or budget", { timeout: CASE_TIMEOUT_MS }, async () => {
      const ns = namespace();
      for (const name of ['wrong-image', 'missing-key', 'root-image', 'gpu', 'memory']) {
        await waitForSuite(ns, name, finished, CASE_TIMEOUT_MS);
      }
      for (const name of ['keyed', 'keyless']) {
        const policy = await kubectlGetJson<ProviderPolicy>(['providerpolicy', name], { namespace: ns });
        const status = policy.status ?? {};
        expect(status.circuit?.state ?? 'Closed', `${name}: ${JSON.stringify(status)}`).toBe('Closed');
        expect(status.circuit?.consecutiveFailures ?? 0, `${name}: ${JSON.stringify(status)}`).toBe(0);
        expect(status.spend?.runs ?? 0, `${name}: ${JSON.stringify(status)}`).toBe(0);
        const events = await eventsFor('ProviderPolicy', name, ns);
        expect(events.map((e) => e.reason)).not.toContain('CircuitOpened');
      }
    });
  });
}
