// The GitOps loop with the real Flux (docs/gitops.md#the-loop-with-flux): a Git repository served
// over smart HTTP on loopback, Flux's source-controller and kustomize-controller syncing it into
// the test's namespace, the operator reading each suite's revision from the Kustomization that
// applied it (--gitops-revision-sources=flux), and benchctl history and rollback --push working
// on a clone. Flux computes the suite's health with kstatus: the Kustomization, which waits for
// what it applied, is progressing while a round runs, ready when it is over, and failed when the
// suite is Stalled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { benchctl, parseJson } from '../support/benchctl.ts';
import { deleteFluxSync, FLUX_GROUPS, fluxSync, startFlux, type FluxControllers } from '../support/flux.ts';
import { createRepo, type TempRepo } from '../support/git-repo.ts';
import { startGitServer, type GitServer } from '../support/git-server.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { kubeconfigPath } from '../support/paths.ts';
import { waitForSuite, type JobList, type SuiteStatusView } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('flux');
stopOperatorsAfterAll();

const SUITE = 'loop';
const SUITE_FILE = 'bench/suite.yaml';
const KUSTOMIZATION = `kustomizations.${FLUX_GROUPS.kustomize}`;
// Long enough for the test to see the round running, and Flux waiting on it.
const RUN_TIME = '30s';
// The machine is shared and loaded: each step of the loop may take minutes.
const STEP_TIMEOUT = 240_000;

/** The suite as a commit defines it: its model, and the provider it references. */
const suiteManifest = (model: string, providerRef = 'solo') =>
  stringify({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: SUITE },
    spec: {
      runner: {
        image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
        podAnnotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': RUN_TIME },
      },
      targets: [{ name: 't', providerRef, model }],
      benchmarks: [{ name: 'hello' }],
    },
  });

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface KustomizationStatus {
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  conditions?: Condition[];
}

let git: GitServer;
let work: TempRepo;
let flux: FluxControllers | undefined;
const commits: Record<'added' | 'changed' | 'rolledBack' | 'stalled', string> = {
  added: '',
  changed: '',
  rolledBack: '',
  stalled: '',
};
const revision = (sha: string) => `main@sha1:${sha}`;

async function kustomizationStatus(): Promise<KustomizationStatus> {
  const object = await kubectlGetJson<{ status?: KustomizationStatus }>([KUSTOMIZATION, 'bench'], {
    namespace: namespace(),
  });
  return object.status ?? {};
}

const condition = (conditions: Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type);

/** Waits until the Kustomization's status satisfies `expected`; the failure shows it and the suite's. */
function waitForKustomization(
  what: string,
  expected: (status: KustomizationStatus) => boolean,
): Promise<KustomizationStatus> {
  return waitFor(
    `the Kustomization to be ${what}`,
    async () => {
      const status = await kustomizationStatus();
      return { done: expected(status), value: status, seen: { kustomization: status, logs: flux?.logFiles } };
    },
    { timeoutMs: STEP_TIMEOUT, intervalMs: 500 },
  );
}

/** Commits the suite file, pushes, and asks Flux to fetch now rather than at its interval. */
async function commitSuite(text: string, message: string): Promise<string> {
  work.write(SUITE_FILE, text);
  const sha = await work.commit(message);
  await work.git.push('origin', 'main:main');
  await flux!.reconcile('gitrepository', 'bench');
  return sha;
}

/**
 * While the round runs (pods take RUN_TIME), Flux's health check waits on the suite:
 * Ready=Unknown, reason Progressing, for the revision being applied.
 */
async function expectProgressingWhileRoundRuns(round: number, sha: string): Promise<void> {
  await waitForSuite(namespace(), SUITE, (s) => s.round === round && s.phase === 'Running', STEP_TIMEOUT);
  const status = await waitForKustomization('progressing on the running suite', (s) => {
    const ready = condition(s.conditions, 'Ready');
    return (
      s.lastAttemptedRevision === revision(sha) &&
      ready?.status === 'Unknown' &&
      ready.reason === 'Progressing' &&
      condition(s.conditions, 'Reconciling')?.status === 'True'
    );
  });
  expect(condition(status.conditions, 'Reconciling')?.message).toContain(
    `Running health checks for revision ${revision(sha)}`,
  );
  // The suite still ran when Flux said so: its round is not over.
  const suite = await waitForSuite(namespace(), SUITE, () => true);
  expect({ round: suite.round, phase: suite.phase }).toEqual({ round, phase: 'Running' });
}

/** Flux applied the revision and found the suite healthy once its round was over. */
async function expectReadyAfterRound(round: number, sha: string): Promise<SuiteStatusView> {
  const status = await waitForKustomization(`Ready with revision ${revision(sha)}`, (s) => {
    const ready = condition(s.conditions, 'Ready');
    return s.lastAppliedRevision === revision(sha) && ready?.status === 'True';
  });
  expect(condition(status.conditions, 'Ready')).toMatchObject({
    reason: 'ReconciliationSucceeded',
    message: `Applied revision: ${revision(sha)}`,
  });
  const suite = await waitForSuite(namespace(), SUITE, () => true);
  expect({ round: suite.round, phase: suite.phase, sourceRevision: suite.sourceRevision }).toEqual({
    round,
    phase: 'Succeeded',
    sourceRevision: revision(sha),
  });
  return suite;
}

/** Every Job of the round carries the revision, and runs the model the commit gave the suite. */
async function expectRoundJobs(round: number, sha: string, model: string): Promise<void> {
  const jobs = await kubectlGetJson<JobList>(
    ['jobs', '-l', `bench.dev/suite=${SUITE},bench.dev/round=${round}`],
    {
      namespace: namespace(),
    },
  );
  expect(jobs.items.length).toBeGreaterThan(0);
  for (const job of jobs.items) {
    expect(job.metadata.annotations?.['bench.dev/source-revision']).toBe(revision(sha));
    const env = job.spec.template.spec.containers[0]!.env ?? [];
    expect(env.find((e) => e.name === 'BENCH_MODEL')?.value).toBe(model);
  }
}

beforeAll(async () => {
  const ns = namespace();
  git = await startGitServer('bench');
  work = await createRepo('flux-loop-');
  await work.git.addRemote('origin', git.url);
  work.write(
    'bench/kustomization.yaml',
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['provider.yaml', 'suite.yaml'],
    }),
  );
  work.write(
    'bench/provider.yaml',
    stringify({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'solo' },
      spec: { provider: 'openai-compatible', endpoint: 'http://healthy.kwok.invalid', maxConcurrentRuns: 4 },
    }),
  );
  work.write(SUITE_FILE, suiteManifest('model-a'));
  commits.added = await work.commit('Add the loop suite');
  await work.git.push(['--set-upstream', 'origin', 'main']);

  flux = await startFlux(ns);
  // The test namespace plays flux-system: the Kustomization lives next to what it applies.
  startOperator({
    namespaces: [ns],
    extraArgs: ['--gitops-revision-sources=flux', `--gitops-flux-namespaces=${ns}`],
  });
  // How long a round may take before the health check fails: rounds here take seconds.
  await kubectlApply(fluxSync(ns, 'bench', { url: git.url, path: './bench', timeout: '3m' }), {
    namespace: ns,
  });
}, 300_000);

afterAll(async () => {
  if (flux) await deleteFluxSync(namespace(), 'bench', flux);
  await git?.close();
  work?.remove();
}, 300_000);

describe('the GitOps loop with Flux', () => {
  it(
    'Flux applies the first commit, and the round of the new suite carries its revision',
    { timeout: 2 * STEP_TIMEOUT },
    async () => {
      // Whether Flux waits on this round is a race: kstatus takes an object without a status for
      // Current, and the operator may not have written one yet when Flux first looks. Changed
      // suites (below) have one, with the generation it describes.
      await waitForSuite(namespace(), SUITE, (s) => s.round === 1 && s.phase === 'Succeeded', STEP_TIMEOUT);
      await expectReadyAfterRound(1, commits.added);
      await expectRoundJobs(1, commits.added, 'model-a');
    },
  );

  it(
    'a commit that changes the suite is synced, and its round runs stamped with that commit',
    { timeout: 2 * STEP_TIMEOUT },
    async () => {
      commits.changed = await commitSuite(suiteManifest('model-b'), 'loop: benchmark model-b');
      await expectProgressingWhileRoundRuns(2, commits.changed);
      await expectReadyAfterRound(2, commits.changed);
      await expectRoundJobs(2, commits.changed, 'model-b');
    },
  );

  it('benchctl history shows each commit with the round it produced', { timeout: 60_000 }, async () => {
    const result = await benchctl(['history', SUITE, '--path', 'bench', '-n', namespace(), '-o', 'json'], {
      cwd: work.dir,
      env: { KUBECONFIG: kubeconfigPath },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = parseJson<{
      cluster: string;
      commits: Array<{ sha: string; rounds: Array<{ round: number; outcome: string; revision: string }> }>;
      unmatchedRounds: unknown[];
    }>(result);
    expect(report.cluster).toBe('ok');
    expect(report.unmatchedRounds).toEqual([]);
    expect(report.commits.map((c) => [c.sha, c.rounds.map((r) => [r.round, r.outcome, r.revision])])).toEqual(
      [
        [commits.changed, [[2, 'Succeeded', revision(commits.changed)]]],
        [commits.added, [[1, 'Succeeded', revision(commits.added)]]],
      ],
    );
  });

  it(
    'benchctl rollback --push commits the old suite; Flux syncs it; a round runs the old spec, stamped with the rollback commit',
    { timeout: 3 * STEP_TIMEOUT },
    async () => {
      const result = await benchctl(['rollback', SUITE, '--to', commits.added, '--push', '-o', 'json'], {
        cwd: work.dir,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const rollback = parseJson<{ commit: string; pushed: { remote: string; branch: string } }>(result);
      expect(rollback.pushed).toEqual({ remote: 'origin', branch: 'main' });
      commits.rolledBack = rollback.commit;
      // What the server has is the rollback commit, on top of the change it undoes.
      const served = await work.git.listRemote(['origin', 'refs/heads/main']);
      expect(served.split('\t')[0]).toBe(commits.rolledBack);
      const log = await work.git.log({ maxCount: 2 });
      expect(log.all.map((c) => [c.hash, c.message])).toEqual([
        [commits.rolledBack, `Roll back BenchmarkSuite ${SUITE} to ${commits.added}`],
        [commits.changed, 'loop: benchmark model-b'],
      ]);

      await flux!.reconcile('gitrepository', 'bench');
      await expectProgressingWhileRoundRuns(3, commits.rolledBack);
      await expectReadyAfterRound(3, commits.rolledBack);
      await expectRoundJobs(3, commits.rolledBack, 'model-a');
    },
  );

  it(
    'a commit that leaves the suite Stalled fails the Kustomization’s health check',
    { timeout: 2 * STEP_TIMEOUT },
    async () => {
      commits.stalled = await commitSuite(
        suiteManifest('model-a', 'not-there'),
        'loop: a provider not there',
      );
      await waitForSuite(
        namespace(),
        SUITE,
        (s) => condition(s.conditions, 'Stalled')?.status === 'True',
        STEP_TIMEOUT,
      );
      const status = await waitForKustomization('failed on the stalled suite', (s) => {
        const ready = condition(s.conditions, 'Ready');
        return (
          s.lastAttemptedRevision === revision(commits.stalled) &&
          ready?.status === 'False' &&
          ready.reason === 'HealthCheckFailed'
        );
      });
      expect(condition(status.conditions, 'Ready')?.message).toContain(
        `BenchmarkSuite/${namespace()}/${SUITE}`,
      );
      // Flux does not call a revision applied until what it applied is healthy.
      expect(status.lastAppliedRevision).toBe(revision(commits.rolledBack));
    },
  );
});
