// benchctl against the real cluster and operator: status (why runs wait, stalled suites),
// suspend/resume/rerun in the cluster, and history matching rounds to the commits that defined them.
import { createServer, type AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { BenchmarkSuite } from '../../operator/src/api/index.ts';
import { benchctl, parseJson } from '../support/benchctl.ts';
import { createRepo, type TempRepo } from '../support/git-repo.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { kubeconfigPath } from '../support/paths.ts';
import { waitForSuite } from '../support/suites.ts';

const namespace = useNamespace('benchctl');
stopOperatorsAfterAll();

/** benchctl with the cluster's kubeconfig and the test's namespace. */
const run = (args: string[], cwd?: string) =>
  benchctl(args, { env: { KUBECONFIG: kubeconfigPath }, ...(cwd ? { cwd } : {}) });
const inNamespace = (...args: string[]) => run([...args, '-n', namespace()]);

const provider = (name: string, maxConcurrentRuns: number) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name },
  spec: { provider: 'openai', credentialsSecretRef: { name: 'openai-credentials' }, maxConcurrentRuns },
});

function suite(
  name: string,
  providerRef: string,
  targets: number,
  podAnnotations: Record<string, string> = {},
) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0', podAnnotations },
      targets: Array.from({ length: targets }, (_, i) => ({ name: `t${i}`, providerRef, model: 'gpt-4o' })),
      benchmarks: [{ name: 'hello' }],
    },
  };
}

interface StatusJson {
  name: string;
  phase: string;
  round: number;
  progress: string;
  stalled?: { reason: string; message: string };
  waiting: Array<{ run: string; state: string; reason: string; message: string }>;
  runs: Array<{ name: string; state: string }>;
}

beforeAll(() => {
  startOperator({ namespaces: [namespace()] });
});

describe('benchctl status', () => {
  beforeAll(async () => {
    await kubectlApply(
      [
        provider('one-at-a-time', 1),
        // Runs long enough to hold the provider's only slot while the test looks.
        suite('busy', 'one-at-a-time', 3, { 'pod-complete.stage.kwok.x-k8s.io/delay': '300s' }),
        suite('orphan', 'not-there', 1),
      ]
        .map((m) => stringify(m))
        .join('---\n'),
      { namespace: namespace() },
    );
    await waitForSuite(
      namespace(),
      'busy',
      (s) => (s.runs ?? []).filter((r) => r.reason === 'ProviderCapacity').length === 2,
      120_000,
    );
    await waitForSuite(
      namespace(),
      'orphan',
      (s) => s.conditions?.some((c) => c.type === 'Stalled') === true,
      120_000,
    );
  });

  it(
    'lists the suites with every waiting run and the reason it waits (-o json)',
    { timeout: 60_000 },
    async () => {
      const result = await inNamespace('status', '-o', 'json');
      expect(result.code).toBe(0);
      const { suites } = parseJson<{ suites: StatusJson[] }>(result);
      expect(suites.map((s) => s.name)).toEqual(['busy', 'orphan']);
      const busy = suites[0]!;
      expect(busy).toMatchObject({ phase: 'Running', round: 1, progress: '0/3' });
      expect(busy.waiting).toHaveLength(2);
      for (const w of busy.waiting) {
        expect(w).toMatchObject({ state: 'Queued', reason: 'ProviderCapacity' });
        expect(w.message).toMatch(/1 of 1 runs of provider one-at-a-time in use/);
      }
      const orphan = suites[1]!;
      expect(orphan.stalled).toMatchObject({ reason: 'ReferenceMissing' });
      expect(orphan.stalled!.message).toContain('not-there');
    },
  );

  it(
    'prints them readable at a glance: one line per suite, one per waiting run',
    { timeout: 60_000 },
    async () => {
      const result = await inNamespace('status');
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAME +PHASE +ROUND +PROGRESS +READY +REVISION +NEXT RUN$/);
      expect(lines[1]).toMatch(/^busy +Running +1 +0\/3 +False$/);
      expect(lines.slice(2, 4)).toEqual([
        expect.stringMatching(
          /^ {2}queued hello-t\d: ProviderCapacity: 1 of 1 runs of provider one-at-a-time in use/,
        ),
        expect.stringMatching(/^ {2}queued hello-t\d: ProviderCapacity: /),
      ]);
      expect(lines[4]).toMatch(/^orphan +\w+ +\d+ +\S* +False$/);
      expect(lines[5]).toMatch(/^ {2}stalled ReferenceMissing: .*not-there/);
    },
  );

  it('shows one suite run by run', { timeout: 60_000 }, async () => {
    const result = await inNamespace('status', 'busy');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`BenchmarkSuite ${namespace()}/busy  Running  round 1  0/3 finished`);
    expect(lines).toContain('RUN       STATE    ATTEMPT  PROVIDER       MODEL   WHY / RESULT');
    expect(
      lines.filter((l) =>
        /^hello-t\d +Running +1 +one-at-a-time +gpt-4o +Running: Job busy-1-hello-t\d is running$/.test(l),
      ),
    ).toHaveLength(1);
    expect(
      lines.filter((l) => /^hello-t\d +Queued +0 +one-at-a-time +gpt-4o +ProviderCapacity: /.test(l)),
    ).toHaveLength(2);
  });

  it(
    'is a finding (exit 1) for a suite that is not there, a failure (exit 3) for a cluster it cannot reach',
    { timeout: 60_000 },
    async () => {
      const missing = await inNamespace('status', 'nope');
      expect(missing).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: BenchmarkSuite nope not found in namespace ${namespace()}\n`,
      });
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      const kubeconfig = path.join(tmpdir(), `benchctl-unreachable-${port}`);
      writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
          ],
          users: [{ name: 'u', user: { token: 't' } }],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'elsewhere' } }],
          'current-context': 'x',
        }),
      );
      const unreachable = await benchctl(['status', '--kubeconfig', kubeconfig]);
      rmSync(kubeconfig);
      expect(unreachable).toEqual({
        code: 3,
        stdout: '',
        stderr: `error: cannot reach the API server at https://127.0.0.1:${port}: ECONNREFUSED\n`,
      });
    },
  );
});

describe('benchctl suspend, resume and rerun in the cluster', () => {
  const suiteOf = () => kubectlGetJson<BenchmarkSuite>(['bs', 'quick'], { namespace: namespace() });

  beforeAll(async () => {
    await kubectlApply(
      [provider('roomy', 10), suite('quick', 'roomy', 1)].map((m) => stringify(m)).join('---\n'),
      {
        namespace: namespace(),
      },
    );
    await waitForSuite(namespace(), 'quick', (s) => s.phase === 'Succeeded', 120_000);
  });

  it('suspends and resumes the suite, warning that a sync from Git wins', { timeout: 120_000 }, async () => {
    const suspended = await inNamespace('suspend', 'quick');
    expect(suspended.code).toBe(0);
    expect(suspended.stdout).toBe(`✓ BenchmarkSuite quick: spec.suspend=true (namespace ${namespace()})\n`);
    expect(suspended.stderr).toMatch(
      /^warning: changed in the cluster only: if Argo CD or Flux apply BenchmarkSuite quick from Git, their next sync puts back what Git says/,
    );
    expect((await suiteOf()).spec.suspend).toBe(true);
    await waitForSuite(namespace(), 'quick', (s) => s.phase === 'Suspended');
    const resumed = await inNamespace('resume', 'quick', '-o', 'json');
    expect(parseJson(resumed)).toEqual({
      suite: 'quick',
      where: 'cluster',
      namespace: namespace(),
      changed: true,
      fields: { 'spec.suspend': false },
    });
    expect((await suiteOf()).spec.suspend).toBe(false);
  });

  it(
    'reruns the suite: a new requested-at value starts the next round with the same spec',
    { timeout: 180_000 },
    async () => {
      // Suspending and resuming changed the spec (generation 3): the round it started settles first.
      const before = await waitForSuite(
        namespace(),
        'quick',
        (s) => s.observedGeneration === 3 && s.phase === 'Succeeded',
        60_000,
      );
      const generation = (await suiteOf()).metadata.generation;
      const result = await inNamespace('rerun', 'quick', '-o', 'json');
      expect(result.code).toBe(0);
      const requestedAt = parseJson<{ fields: Record<string, string> }>(result).fields[
        'metadata.annotations.bench.dev/requested-at'
      ]!;
      const after = await suiteOf();
      expect(after.metadata.annotations!['bench.dev/requested-at']).toBe(requestedAt);
      expect(after.metadata.generation).toBe(generation);
      await waitForSuite(
        namespace(),
        'quick',
        (s) => s.round === before.round! + 1 && s.phase === 'Succeeded',
        120_000,
      );
    },
  );
});

describe('benchctl history', () => {
  let repo: TempRepo;
  const commits: Record<string, string> = {};

  /** Applies the suite as the file has it at HEAD, stamped with a revision as Flux stamps it. */
  async function sync(revision: string, requestedAt?: string) {
    const manifest = parse(await repo.git.show(['HEAD:suites/tracked.yaml'])) as BenchmarkSuite;
    manifest.metadata.annotations = {
      'bench.dev/source-revision': `main@sha1:${revision}`,
      ...(requestedAt ? { 'bench.dev/requested-at': requestedAt } : {}),
    };
    await kubectlApply(stringify(manifest), { namespace: namespace() });
  }

  beforeAll(async () => {
    repo = await createRepo();
    await kubectlApply(stringify(provider('history', 10)), { namespace: namespace() });
    repo.write('suites/tracked.yaml', stringify(suite('tracked', 'history', 1)));
    commits.add = await repo.commit('add tracked');
    await sync(commits.add);
    await waitForSuite(namespace(), 'tracked', (s) => s.round === 1 && s.phase === 'Succeeded', 120_000);

    const changed = suite('tracked', 'history', 2);
    repo.write('suites/tracked.yaml', stringify(changed));
    commits.twoTargets = await repo.commit('tracked: two targets');
    await sync(commits.twoTargets);
    await waitForSuite(namespace(), 'tracked', (s) => s.round === 2 && s.phase === 'Succeeded', 120_000);

    // A later commit of the repository that leaves the suite alone: its round belongs to the
    // commit that last changed the suite.
    repo.write('README.md', 'benchmarks\n');
    commits.readme = await repo.commit('README');
    await sync(commits.readme, 'again');
    await waitForSuite(namespace(), 'tracked', (s) => s.round === 3 && s.phase === 'Succeeded', 120_000);
  });
  afterAll(() => repo.remove());

  it(
    'lists each commit of the suite with the rounds it produced and their outcome',
    { timeout: 60_000 },
    async () => {
      const result = await run(['history', 'tracked', '-n', namespace(), '-o', 'json'], repo.dir);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = parseJson<{
        cluster: string;
        commits: Array<{
          sha: string;
          subject: string;
          rounds: Array<{
            round: number;
            outcome: string;
            revision: string;
            runs: number;
            succeeded: number;
          }>;
        }>;
        unmatchedRounds: unknown[];
      }>(result);
      expect(report.cluster).toBe('ok');
      expect(report.unmatchedRounds).toEqual([]);
      const summary = report.commits.map((c) => [
        c.subject,
        c.rounds.map((r) => [r.round, r.outcome, r.revision, `${r.succeeded}/${r.runs}`]),
      ]);
      expect(summary).toEqual([
        [
          'tracked: two targets',
          [
            [3, 'Succeeded', `main@sha1:${commits.readme}`, '2/2'],
            [2, 'Succeeded', `main@sha1:${commits.twoTargets}`, '2/2'],
          ],
        ],
        ['add tracked', [[1, 'Succeeded', `main@sha1:${commits.add}`, '1/1']]],
      ]);
    },
  );

  it('prints the commits with their rounds underneath', { timeout: 60_000 }, async () => {
    const result = await run(['history', 'tracked', '-n', namespace()], repo.dir);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('BenchmarkSuite tracked in suites/tracked.yaml');
    expect(lines[1]).toMatch(
      new RegExp(
        `^${commits.twoTargets!.slice(0, 12)}  \\d{4}-\\d\\d-\\d\\d  Test Author  tracked: two targets$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^ {4}round 3  Succeeded  2/2 runs succeeded  \\S+  revision main@sha1:${commits.readme}$`),
    );
    expect(lines[3]).toMatch(/^ {4}round 2 {2}Succeeded {2}2\/2 runs succeeded/);
    expect(lines[4]).toMatch(new RegExp(`^${commits.add!.slice(0, 12)}  .*  add tracked$`));
    expect(lines[5]).toMatch(/^ {4}round 1 {2}Succeeded {2}1\/1 runs succeeded/);
  });

  it(
    'shows the commits alone, with a warning, when the suite is not in the cluster',
    { timeout: 60_000 },
    async () => {
      const result = await run(['history', 'tracked', '-n', 'default', '-o', 'json'], repo.dir);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(
        'warning: BenchmarkSuite tracked not found in namespace default: showing the commits only\n',
      );
      const report = parseJson<{ cluster: string; commits: Array<{ rounds: unknown[] }> }>(result);
      expect(report.cluster).toBe('absent');
      expect(report.commits.map((c) => c.rounds)).toEqual([[], []]);
    },
  );
});
