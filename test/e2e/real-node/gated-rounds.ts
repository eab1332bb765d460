// Results that last, for real (docs/results.md): three rounds of a suite with a candidate and a
// production target, run by bench-runner on the real node against the provider stand-in, the suite
// applied from Git by Flux. The stand-in knows which questions each model gets right, so every
// statistic is known in advance and checked against scipy's and statsmodels' values
// (test/fixtures/stats/reference.json, hack/stats/fixtures.py), not against the operator's own code:
//
// - round 1 (commit 1, candidate-1): candidate and production differ on 7 of 60 questions, both
//   ways: noise, the gate against production passes (McNemar p = 1);
// - round 2 (the same commit, re-run by bench.dev/requested-at): the same answers; the gate against
//   the previous round passes too;
// - round 3 (commit 2, candidate-2): the candidate answers 12 questions worse: both gates fail, and
//   the failure shows in `kubectl get bs`, the commit status on (fake) GitHub, the health of
//   Flux's Kustomization (docs/gitops.md's healthCheckExprs) and Argo CD's health check.
//
// The runs are sharded in two, so the per-item outcomes are joined from two pods each; the history
// keeps two rounds (roundHistoryLimit), so round 1's record goes when round 3's is made. Every run
// writes its artifacts to a real S3-compatible store (versitygw) on the node's bridge, and
// `benchctl export` reads them back.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { FakePrompt, FakeProvider } from '../../../runner/test/fakes/core.ts';
import type { BenchmarkRound, BenchmarkSuite } from '../../../operator/src/api/v1alpha1/index.ts';
import { itemAnswers } from '../../../runner/src/contract/outcomes.ts';
import reference from '../../fixtures/stats/reference.json' with { type: 'json' };
import { evaluateHealth, healthScriptPath } from '../../support/argocd-health.ts';
import { benchctl, parseJson } from '../../support/benchctl.ts';
import { closeFakeGitHubsAfterAll, FakeGitHub } from '../../support/fake-github.ts';
import {
  deleteFluxSync,
  FLUX_GROUPS,
  fluxSync,
  startFlux,
  type FluxControllers,
} from '../../support/flux.ts';
import { createRepo, type TempRepo } from '../../support/git-repo.ts';
import { startGitServer, type GitServer } from '../../support/git-server.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../../support/kubectl.ts';
import { useNamespace } from '../../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../../support/operator.ts';
import { kubeconfigPath, repoRoot } from '../../support/paths.ts';
import {
  createStandInCredentials,
  RUNNER_IMAGE,
  startBridgeArtifactStore,
  realNodeSchedulePolicy,
  startBridgeStandIn,
  standInProviderPolicy,
} from '../../support/real-node.ts';
import type { S3Server } from '../../support/s3.ts';
import { waitForSuite, type SuiteStatusView } from '../../support/suites.ts';
import { waitFor } from '../../support/wait.ts';

/** Registered by real-node.e2e.test.ts, which runs everything that uses the node one after the other. */
export function gatedRoundsOnTheRealNode(): void {
  const namespace = useNamespace('gated');
  stopOperatorsAfterAll();
  closeFakeGitHubsAfterAll();

  const API_KEY = `sk-gated-${randomBytes(12).toString('hex')}`;
  const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
  const SUITE = 'gated';
  const KUSTOMIZATION = `kustomizations.${FLUX_GROUPS.kustomize}`;
  /** A round is 4 Jobs of 2 pods on the node's two CPUs, shared with the rest of the e2e run. */
  const ROUND_TIMEOUT_MS = 420_000;

  const QUESTIONS = 60;
  const LETTERS = ['A', 'B', 'C', 'D'];
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  /**
   * The questions each model answers right. production-1: 0–47 (48 of 60). candidate-1: 44 of
   * those, and 48–50 (47): 44 both right, 3 only the candidate, 4 only production, 9 neither.
   * candidate-2: 0–32 and 48–49 (35): against production 33, 2, 15, 10; against candidate-1 35,
   * 0, 12, 13.
   */
  const RIGHT: Record<string, Set<number>> = {
    'production-1': new Set(range(0, 47)),
    'candidate-1': new Set([...range(0, 43), 48, 49, 50]),
    'candidate-2': new Set([...range(0, 32), 48, 49]),
  };
  const expectedLetter = (k: number) => LETTERS[k % 4]!;
  const DATASET = range(0, QUESTIONS - 1)
    .map((k) =>
      JSON.stringify({
        id: `q${k}`,
        prompt: `Question ${k}: which option is right?\nA) a\nB) b\nC) c\nD) d\nAnswer with the letter of the correct option.`,
        expected: expectedLetter(k),
        scorer: 'choice',
      }),
    )
    .join('\n');

  /** The stand-in: the right letter where the model knows the question, the next one where it does not. */
  const answer = (prompt: FakePrompt): string => {
    const k = Number(/Question (\d+):/.exec(prompt.messages.map((m) => m.content).join('\n'))?.[1]);
    const right = RIGHT[prompt.model]?.has(k) ?? false;
    return right ? expectedLetter(k) : LETTERS[(k + 1) % 4]!;
  };

  /** The suite as a commit has it: the candidate's model is what the commit changes. */
  const suiteManifest = (candidateModel: string) =>
    stringify({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name: SUITE },
      spec: {
        schedulePolicyRef: 'real',
        runner: {
          image: RUNNER_IMAGE,
          volumes: [{ name: 'datasets', configMap: { name: 'gated-datasets' } }],
          volumeMounts: [{ name: 'datasets', mountPath: '/datasets', readOnly: true }],
        },
        targets: [
          { name: 'candidate', providerRef: 'stand-in', model: candidateModel },
          { name: 'production', providerRef: 'stand-in', model: 'production-1' },
        ],
        benchmarks: [
          {
            name: 'quiz',
            shards: 2,
            // Items are retried: in CI, 2 of 30 items of each run of round 1 failed once as "provider
            // unavailable" on the node (its two CPUs shared with the whole e2e run), which failed the round.
            args: ['--dataset=/datasets/quiz.jsonl', '--concurrency=2', '--max-attempts=3'],
          },
        ],
        retry: { limit: 0 },
        roundHistoryLimit: 2,
        gates: [
          {
            name: 'vs-production',
            benchmark: 'quiz',
            candidate: 'candidate',
            baseline: { target: 'production' },
          },
          { name: 'trend', benchmark: 'quiz', candidate: 'candidate', baseline: { previousRound: true } },
        ],
      },
    });

  /** The Kustomization's health checks: the ones docs/gitops.md gives users to copy. */
  const documentedHealthCheckExprs = (): unknown[] => {
    const doc = readFileSync(path.join(repoRoot, 'docs/gitops.md'), 'utf8');
    const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .find((yaml) => yaml.includes('healthCheckExprs:'))!;
    return (parse(block) as { spec: { healthCheckExprs: unknown[] } }).spec.healthCheckExprs;
  };

  interface Condition {
    type: string;
    status: string;
    reason?: string;
    message?: string;
  }
  interface KustomizationStatus {
    conditions?: Condition[];
    lastAttemptedRevision?: string;
  }
  const condition = (conditions: Condition[] | undefined, type: string) =>
    conditions?.find((c) => c.type === type);

  let standIn: FakeProvider;
  let store: S3Server;
  let github: FakeGitHub;
  let git: GitServer;
  let work: TempRepo;
  let flux: FluxControllers | undefined;
  const commits: string[] = [];

  async function commitSuite(candidateModel: string, message: string): Promise<string> {
    work.write('bench/suite.yaml', suiteManifest(candidateModel));
    const sha = await work.commit(message);
    await work.git.push(['--set-upstream', 'origin', 'main']);
    await flux?.reconcile('gitrepository', 'bench');
    return sha;
  }

  const roundDone = (round: number) => (s: SuiteStatusView) =>
    s.round === round && s.completionTime !== undefined && s.gates?.every((g) => g.round === round) === true;

  const gate = (status: SuiteStatusView, name: string) => status.gates!.find((g) => g.name === name)!;

  async function records(): Promise<BenchmarkRound[]> {
    return (
      await kubectlGetJson<{ items: BenchmarkRound[] }>(
        ['benchmarkrounds', '-l', `bench.dev/suite=${SUITE}`],
        {
          namespace: namespace(),
        },
      )
    ).items.sort((a, b) => a.spec.round - b.spec.round);
  }

  async function kustomization(): Promise<KustomizationStatus> {
    const object = await kubectlGetJson<{
      status?: { conditions?: Condition[]; lastAppliedRevision?: string };
    }>([KUSTOMIZATION, 'bench'], { namespace: namespace() });
    return object.status ?? {};
  }

  /** A fixture's Newcombe paired interval (candidate = A, baseline = B) and McNemar p. */
  const pairedReference = (a: number, b: number, c: number, d: number) => {
    const interval = reference.newcombePaired.find(
      (r) => r.a === a && r.b === b && r.c === c && r.d === d && r.confidence === 0.95,
    )!;
    const mcnemar = b + c === 0 ? 1 : reference.mcnemarExact.find((r) => r.b === b && r.c === c)!.pValue;
    return { ...interval, pValue: mcnemar };
  };
  const wilsonReference = (successes: number, trials: number) =>
    reference.wilson.find((r) => r.successes === successes && r.trials === trials && r.confidence === 0.95)!;
  const three = (x: number) => x.toFixed(3).replace('-', '−');

  beforeAll(async () => {
    const ns = namespace();
    standIn = await startBridgeStandIn({ apiKey: API_KEY, answer });
    github = await FakeGitHub.start({ token: TOKEN });
    const artifacts = await startBridgeArtifactStore(ns);
    store = artifacts.store;
    await createStandInCredentials(ns, API_KEY);
    await kubectl(['create', 'secret', 'generic', 'github-credentials', `--from-literal=token=${TOKEN}`], {
      namespace: ns,
    });
    await kubectlApply(
      [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'gated-datasets' },
          data: { 'quiz.jsonl': `${DATASET}\n` },
        },
        standInProviderPolicy('stand-in', standIn, { maxConcurrentRuns: 2 }),
        realNodeSchedulePolicy('real'),
      ]
        .map((object) => stringify(object))
        .join('---\n'),
      { namespace: ns },
    );

    git = await startGitServer('gated');
    work = await createRepo('gated-rounds-');
    await work.git.addRemote('origin', git.url);
    work.write(
      'bench/kustomization.yaml',
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['suite.yaml'],
      }),
    );
    commits.push(await commitSuite('candidate-1', 'Evaluate candidate-1 against production'));
    flux = await startFlux(ns);
    startOperator({
      namespaces: [ns],
      extraArgs: [
        '--gitops-revision-sources=flux',
        `--gitops-flux-namespaces=${ns}`,
        '--gitops-github-secret=github-credentials',
        `--gitops-github-url=${github.url}`,
        '--gitops-github-repository=acme/evals',
        ...artifacts.operatorArgs,
      ],
    });
    await kubectlApply(
      fluxSync(ns, 'bench', {
        url: git.url,
        path: './bench',
        timeout: '10m',
        healthCheckExprs: documentedHealthCheckExprs(),
      }),
      { namespace: ns },
    );
  }, 300_000);

  afterAll(async () => {
    if (flux) await deleteFluxSync(namespace(), 'bench', flux);
    await git?.close();
    work?.remove();
    await standIn?.close();
    await store?.stop();
  }, 300_000);

  describe('three gated rounds on the real node, applied by Flux', () => {
    it(
      'round 1: candidate and production differ by noise, and the gate against production passes (paired)',
      { timeout: ROUND_TIMEOUT_MS + 60_000 },
      async () => {
        const status = await waitForSuite(namespace(), SUITE, roundDone(1), ROUND_TIMEOUT_MS);
        expect(status.phase).toBe('Succeeded');
        const noise = pairedReference(44, 3, 4, 9);
        expect(gate(status, 'vs-production')).toMatchObject({ round: 1, verdict: 'Passed', items: 60 });
        // bench-runner's score, to its 4 places, weighted over the two shards.
        expect(gate(status, 'vs-production').value).toBeCloseTo(47 / 60, 4);
        expect(gate(status, 'vs-production').message).toBe(
          `quiz: candidate 0.783 vs production 0.800, −0.017 (95% CI ${three(noise.low)}…${three(noise.high)}), ` +
            `McNemar p = ${noise.pValue.toFixed(3)} over 60 paired items (3 right only in candidate, 4 only in production): ` +
            'no drop beyond 0 (maxDrop) that the data can tell from noise',
        );
        // The first round has no previous one: inconclusive, and the suite stays Ready.
        expect(gate(status, 'trend').verdict).toBe('Inconclusive');
        expect(condition(status.conditions, 'GatesPassed')).toMatchObject({
          status: 'Unknown',
          reason: 'GateInconclusive',
        });
        expect(condition(status.conditions, 'Ready')?.status).toBe('True');
      },
    );

    it(
      'round 2: the same answers re-run, and both gates pass; the record holds Wilson intervals and the joined outcomes',
      { timeout: ROUND_TIMEOUT_MS + 60_000 },
      async () => {
        await kubectl(
          ['annotate', 'benchmarksuite', SUITE, 'bench.dev/requested-at=round-2', '--overwrite'],
          {
            namespace: namespace(),
          },
        );
        const status = await waitForSuite(namespace(), SUITE, roundDone(2), ROUND_TIMEOUT_MS);
        expect(status.gates!.map((g) => [g.name, g.verdict])).toEqual([
          ['vs-production', 'Passed'],
          ['trend', 'Passed'],
        ]);
        const same = pairedReference(47, 0, 0, 13);
        expect(gate(status, 'trend').message).toBe(
          `quiz: candidate 0.783 vs round 1 0.783, 0.000 (95% CI ${three(same.low)}…${three(same.high)}), ` +
            'McNemar p = 1.000 over 60 paired items (0 right only in candidate, 0 only in round 1): ' +
            'no drop beyond 0 (maxDrop) that the data can tell from noise',
        );
        expect(condition(status.conditions, 'GatesPassed')).toMatchObject({
          status: 'True',
          reason: 'GatesPassed',
        });

        const record = (await records()).find((r) => r.spec.round === 2)!;
        expect(record.spec.gateVerdict).toBe('Passed 2/2');
        for (const [target, right] of [
          ['candidate', RIGHT['candidate-1']!],
          ['production', RIGHT['production-1']!],
        ] as const) {
          const run = record.spec.runs!.find((r) => r.target === target)!;
          const wilson = wilsonReference(right.size, QUESTIONS);
          expect(run.interval).toMatchObject({ method: 'Wilson', items: QUESTIONS });
          expect(run.interval!.low).toBeCloseTo(wilson.low, 12);
          expect(run.interval!.high).toBeCloseTo(wilson.high, 12);
          // Joined from the two shards' pods: shard 0 took the even questions, shard 1 the odd ones.
          const order = [
            ...range(0, QUESTIONS - 1).filter((k) => k % 2 === 0),
            ...range(0, QUESTIONS - 1).filter((k) => k % 2 === 1),
          ];
          expect(itemAnswers(run.outcomes!)?.map((a) => a.correct)).toEqual(order.map((k) => right.has(k)));
        }
        await waitFor(
          'Flux to find the suite healthy after round 2',
          async () => {
            const status = await kustomization();
            return {
              done: condition(status.conditions, 'Ready')?.status === 'True',
              value: status,
              seen: status,
            };
          },
          { timeoutMs: 240_000 },
        );
      },
    );

    it(
      'round 3: a commit that changes the candidate to a worse model fails both gates, in every place a promotion looks',
      { timeout: ROUND_TIMEOUT_MS + 360_000 },
      async () => {
        commits.push(await commitSuite('candidate-2', 'Promote candidate-2'));
        const status = await waitForSuite(namespace(), SUITE, roundDone(3), ROUND_TIMEOUT_MS);
        expect(status.sourceRevision).toBe(`main@sha1:${commits[1]}`);
        const regression = pairedReference(33, 2, 15, 10);
        expect(gate(status, 'vs-production').verdict).toBe('Failed');
        expect(gate(status, 'vs-production').value).toBeCloseTo(35 / 60, 4);
        expect(gate(status, 'vs-production').message).toBe(
          `quiz: candidate 0.583 vs production 0.800, −0.217 (95% CI ${three(regression.low)}…${three(regression.high)}), ` +
            `McNemar p = ${regression.pValue.toFixed(3)} over 60 paired items (2 right only in candidate, 15 only in production): ` +
            'a drop beyond 0 (maxDrop)',
        );
        const drop = pairedReference(35, 0, 12, 13);
        expect(gate(status, 'trend').message).toBe(
          `quiz: candidate 0.583 vs round 2 0.783, −0.200 (95% CI ${three(drop.low)}…${three(drop.high)}), ` +
            `McNemar p < 0.001 over 60 paired items (0 right only in candidate, 12 only in round 2): a drop beyond 0 (maxDrop)`,
        );
        expect(drop.pValue).toBeLessThan(0.001);
        expect(condition(status.conditions, 'Ready')).toMatchObject({
          status: 'False',
          reason: 'GateFailed',
        });

        // kubectl get bs: READY False, GATES GateFailed.
        const table = await kubectl(['get', 'bs', SUITE], { namespace: namespace() });
        const [header, row] = table.stdout.trim().split('\n');
        const columns = header!.split(/\s{2,}/);
        const cells = row!.split(/\s{2,}/);
        expect(cells[columns.indexOf('READY')]).toBe('False');
        expect(cells[columns.indexOf('GATES')]).toBe('GateFailed');

        // The history: two rounds kept, round 1's record gone and nothing else.
        const history = await records();
        expect(history.map((r) => [r.spec.round, r.spec.gateVerdict, r.spec.sourceRevision])).toEqual([
          [2, 'Passed 2/2', `main@sha1:${commits[0]}`],
          [3, 'Failed 2/2', `main@sha1:${commits[1]}`],
        ]);
        const listed = await kubectl(['get', 'benchmarkrounds', '-l', `bench.dev/suite=${SUITE}`], {
          namespace: namespace(),
        });
        expect(listed.stdout).toMatch(/gated-3\s+gated\s+3\s+\S+\s+2\/2\s+production 0\.8\s+Failed 2\/2/);

        // GitHub: the commit of round 3 failed, naming the gate.
        const statuses = await waitFor(
          'a failure commit status for the commit of round 3',
          () => {
            const mine = github.statuses.filter((s) => s.sha === commits[1]);
            return { done: mine.at(-1)?.state === 'failure', value: mine, seen: github.statuses };
          },
          { timeoutMs: 120_000 },
        );
        expect(statuses.at(-1)!.description).toMatch(
          /^gate vs-production failed: quiz: candidate 0\.583 vs production 0\.800/,
        );
        expect(github.statuses.filter((s) => s.sha === commits[0]).at(-1)?.state).toBe('success');

        // Flux: the Kustomization that applied commit 2 is not Ready: its health check failed.
        await flux!.reconcile('kustomization', 'bench');
        const failed = await waitFor(
          'the Kustomization to fail its health check on the gated suite',
          async () => {
            const state = await kustomization();
            const ready = condition(state.conditions, 'Ready');
            return {
              done: state.lastAttemptedRevision === `main@sha1:${commits[1]}` && ready?.status === 'False',
              value: ready!,
              seen: { kustomization: state, logs: flux?.logFiles },
            };
          },
          { timeoutMs: 300_000, intervalMs: 1_000 },
        );
        expect(failed.reason).toBe('HealthCheckFailed');
        expect(failed.message).toMatch(new RegExp(`BenchmarkSuite/${namespace()}/${SUITE}`));

        // Argo CD: its health check on the live object says Degraded, with the gate's words.
        const live = await kubectlGetJson<BenchmarkSuite>(['benchmarksuite', SUITE], {
          namespace: namespace(),
        });
        const health = await evaluateHealth(readFileSync(healthScriptPath('BenchmarkSuite'), 'utf8'), live);
        expect(health.status).toBe('Degraded');
        expect(health.message).toContain('vs-production');
      },
    );

    it(
      'every run of every round left its artifacts in the store, which benchctl export reads; retention removed a record, no artifact',
      { timeout: 120_000 },
      async () => {
        const ns = namespace();
        const listed = await store.client.send(
          new ListObjectsV2Command({ Bucket: store.bucket, Prefix: `${ns}/${SUITE}/` }),
        );
        // Besides the artifacts, the runs' checkpoints (docs/results.md#resume) are in the store.
        const keys = (listed.Contents ?? [])
          .map((o) => o.Key!)
          .filter((key) => !key.includes('/checkpoint/'))
          .sort();
        const expected = [1, 2, 3].flatMap((round) =>
          ['quiz-candidate', 'quiz-production'].flatMap((run) =>
            [0, 1].flatMap((shard) =>
              ['items.jsonl', 'results.json'].map(
                (file) => `${ns}/${SUITE}/${round}/${run}/shard-${shard}/${file}`,
              ),
            ),
          ),
        );
        // Round 1's record is gone (roundHistoryLimit: 2); its artifacts are not: retention is the bucket's.
        expect(keys).toEqual(expected.sort());
        const record = (await records()).find((r) => r.spec.round === 3)!;
        expect(record.spec.runs!.map((r) => r.artifacts)).toEqual([
          `s3://${store.bucket}/${ns}/${SUITE}/3/quiz-candidate/`,
          `s3://${store.bucket}/${ns}/${SUITE}/3/quiz-production/`,
        ]);

        const env = {
          KUBECONFIG: kubeconfigPath,
          AWS_ACCESS_KEY_ID: store.accessKeyId,
          AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
          AWS_REGION: store.region,
        };
        const exported = await benchctl(
          ['export', SUITE, '-n', ns, '--round', '3', '--format', 'jsonl', '--s3-endpoint', store.endpoint],
          { env },
        );
        expect(exported.stderr).toBe('');
        const items = exported.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { target: string; id: string; correct?: boolean });
        for (const [target, model] of [
          ['candidate', 'candidate-2'],
          ['production', 'production-1'],
        ] as const) {
          const right = items
            .filter((item) => item.target === target && item.correct === true)
            .map((item) => item.id);
          expect(right.sort()).toEqual([...RIGHT[model]!].map((k) => `q${k}`).sort());
        }
        const results = parseJson<Record<string, { results: Record<string, Record<string, unknown>> }>>(
          await benchctl(
            [
              'export',
              SUITE,
              '-n',
              ns,
              '--round',
              '3',
              '--format',
              'lm-eval',
              '--s3-endpoint',
              store.endpoint,
            ],
            {
              env,
            },
          ),
        );
        expect(results['quiz-candidate']!.results.quiz!['acc,none']).toBeCloseTo(35 / 60, 12);
        expect(results['quiz-production']!.results.quiz!['acc,none']).toBeCloseTo(48 / 60, 12);
        const gone = await benchctl(['export', SUITE, '-n', ns, '--round', '1', '--format', 'csv'], { env });
        expect(gone.code).toBe(1);
        expect(gone.stderr).toMatch(/round 1/);
      },
    );
  });
}
