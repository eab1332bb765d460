// Never pay twice, for real (docs/results.md#resume): bench-runner on the real node keeps its
// answered items in a checkpoint in the artifact store (versitygw on the node's bridge), and a run
// interrupted half-way — its pod deleted, or its provider down — is retried by the operator and asks
// the provider stand-in only for the items not answered yet: counted on the stand-in. Each ends with
// the score and per-item records of a run that was never interrupted (a third suite, on its own
// stand-in with the same answers).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { FakePrompt, FakeProvider } from '../../../runner/test/fakes/core.ts';
import { benchctl } from '../../support/benchctl.ts';
import { eventsFor } from '../../support/events.ts';
import { kubectl, kubectlApply } from '../../support/kubectl.ts';
import { useNamespace } from '../../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../../support/operator.ts';
import { kubeconfigPath } from '../../support/paths.ts';
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
export function resumeOnTheRealNode(): void {
  const namespace = useNamespace('resume');
  stopOperatorsAfterAll();

  const API_KEY = `sk-resume-${randomBytes(12).toString('hex')}`;
  const ITEMS = 40;
  /** Slow enough answers (one at a time) that the test interrupts a run half-way. */
  const ANSWER_DELAY_MS = 400;
  const RUN_TIMEOUT_MS = 360_000;
  const LETTERS = ['A', 'B', 'C', 'D'];
  const DATASET = Array.from({ length: ITEMS }, (_, k) =>
    JSON.stringify({
      id: `q${k}`,
      prompt: `Question ${k}: which option is right?\nA) a\nB) b\nC) c\nD) d\nAnswer with the letter of the correct option.`,
      expected: LETTERS[k % 4],
      scorer: 'choice',
    }),
  ).join('\n');
  /** The same answers from every stand-in: right for questions not divisible by 3. */
  const answer = (prompt: FakePrompt): string => {
    const k = Number(/Question (\d+):/.exec(prompt.messages.map((m) => m.content).join('\n'))?.[1]);
    return k % 3 === 0 ? LETTERS[(k + 1) % 4]! : LETTERS[k % 4]!;
  };

  let store: S3Server;
  const standIns: Record<'deleted' | 'outage' | 'whole', FakeProvider> = {} as never;
  /** The answers each stand-in gave: requests it answered, not those it failed. */
  const answers: Record<'deleted' | 'outage' | 'whole', number> = { deleted: 0, outage: 0, whole: 0 };

  const suite = (name: string, provider: string) =>
    stringify({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name },
      spec: {
        schedulePolicyRef: 'real',
        runner: {
          image: RUNNER_IMAGE,
          volumes: [{ name: 'datasets', configMap: { name: 'resume-datasets' } }],
          volumeMounts: [{ name: 'datasets', mountPath: '/datasets', readOnly: true }],
        },
        targets: [{ name: 't', providerRef: provider, model: 'stand-in-1' }],
        benchmarks: [
          {
            name: 'quiz',
            args: ['--dataset=/datasets/quiz.jsonl', '--concurrency=1', '--max-attempts=1'],
          },
        ],
        retry: { limit: 2, backoff: { initial: '1s', max: '2s', jitterPercent: 0 } },
      },
    });

  /** The per-item records of the suite's latest round, as benchctl export reads them from the store. */
  async function items(name: string): Promise<Array<Record<string, unknown>>> {
    const exported = await benchctl(
      ['export', name, '-n', namespace(), '--format', 'jsonl', '--s3-endpoint', store.endpoint],
      {
        env: {
          KUBECONFIG: kubeconfigPath,
          AWS_ACCESS_KEY_ID: store.accessKeyId,
          AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
          AWS_REGION: store.region,
        },
      },
    );
    expect(exported.stderr).toBe('');
    return exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** An item as a run that was never interrupted would record it: what it was asked and answered. */
  const essence = (item: Record<string, unknown>) => ({
    id: item.id,
    status: item.status,
    correct: item.correct,
    answer: item.answer,
    output: item.output,
  });

  async function expectLikeUninterrupted(name: string, status: SuiteStatusView): Promise<void> {
    const whole = await waitForSuite(namespace(), 'whole', (s) => s.phase === 'Succeeded', RUN_TIMEOUT_MS);
    expect(status.runs![0]!.result!.score).toBe(whole.runs![0]!.result!.score);
    const byId = (list: Array<Record<string, unknown>>) =>
      list.map(essence).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(byId(await items(name))).toEqual(byId(await items('whole')));
  }

  describe('runs that resume where they stopped, on the real node', () => {
    // Inside the describe: the hooks run when its tests do, after the other real-node tests.
    beforeAll(async () => {
      const ns = namespace();
      const artifacts = await startBridgeArtifactStore(ns);
      store = artifacts.store;
      for (const which of ['deleted', 'outage', 'whole'] as const) {
        standIns[which] = await startBridgeStandIn({
          apiKey: API_KEY,
          answer: (prompt) => {
            answers[which]++;
            return answer(prompt);
          },
          delayMs: ANSWER_DELAY_MS,
        });
      }
      await createStandInCredentials(ns, API_KEY);
      await kubectlApply(
        [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'resume-datasets' },
            data: { 'quiz.jsonl': `${DATASET}\n` },
          },
          ...(['deleted', 'outage', 'whole'] as const).map((which) =>
            standInProviderPolicy(which, standIns[which]),
          ),
          realNodeSchedulePolicy('real'),
        ]
          .map((object) => stringify(object))
          .join('---\n'),
        { namespace: ns },
      );
      startOperator({
        namespaces: [ns],
        extraArgs: [...artifacts.operatorArgs],
      });
      // The third suite starts in its own test, so that its provider goes down while it runs.
      await kubectlApply([suite('whole', 'whole'), suite('deleted', 'deleted')].join('---\n'), {
        namespace: ns,
      });
    }, 120_000);

    afterAll(async () => {
      await Promise.all(Object.values(standIns).map((standIn) => standIn.close()));
      await store?.stop();
    });

    it(
      'a run whose pod is deleted half-way asks only for the rest, and ends as an uninterrupted run',
      { timeout: 2 * RUN_TIMEOUT_MS },
      async () => {
        await waitFor(
          'the stand-in to have answered half of the items',
          () => ({ done: answers.deleted >= ITEMS / 2, value: undefined, seen: answers.deleted }),
          { timeoutMs: RUN_TIMEOUT_MS },
        );
        await kubectl(['delete', 'pod', '-l', 'bench.dev/suite=deleted', '--wait=false'], {
          namespace: namespace(),
        });
        const status = await waitForSuite(
          namespace(),
          'deleted',
          (s) => s.phase === 'Succeeded',
          RUN_TIMEOUT_MS,
        );
        const run = status.runs![0]!;
        // Every item asked once: the first attempt's answers were kept, the second asked for the rest.
        expect(standIns.deleted.requests).toHaveLength(ITEMS);
        expect(answers.deleted).toBe(ITEMS);
        const reused = run.result!.metrics!.reusedItems!;
        expect(reused).toBeGreaterThanOrEqual(ITEMS / 2);
        expect(reused).toBeLessThan(ITEMS);
        const events = await eventsFor('BenchmarkSuite', 'deleted', namespace());
        expect(events.map((e) => e.note)).toContainEqual(
          expect.stringContaining(
            `run quiz-t: attempt ${run.attempt} reused ${reused} of ${ITEMS} items answered before`,
          ),
        );
        await expectLikeUninterrupted('deleted', status);
      },
    );

    it(
      'a run whose provider goes down half-way is retried once it is back, asking only for what it did not answer',
      { timeout: 2 * RUN_TIMEOUT_MS },
      async () => {
        const standIn = standIns.outage;
        await kubectlApply(suite('outage', 'outage'), { namespace: namespace() });
        await waitFor(
          'the stand-in to have answered half of the items',
          () => ({ done: answers.outage >= ITEMS / 2, value: undefined, seen: answers.outage }),
          { timeoutMs: RUN_TIMEOUT_MS },
        );
        standIn.failAlways({ type: 'error', status: 503 });
        const retrying = await waitForSuite(
          namespace(),
          'outage',
          (s) => s.runs?.[0]?.state === 'Retrying' || s.runs?.[0]?.state === 'Failed',
          RUN_TIMEOUT_MS,
        );
        expect(retrying.runs![0]!.state).toBe('Retrying');
        // What the first attempt got answered, the request in flight when the provider went down included.
        const before = answers.outage;
        standIn.failAlways(undefined);
        const status = await waitForSuite(
          namespace(),
          'outage',
          (s) => s.phase === 'Succeeded',
          RUN_TIMEOUT_MS,
        );
        // Answered before the outage, and after it only the rest: each item answered once.
        expect(answers.outage).toBe(ITEMS);
        expect(status.runs![0]!.result!.metrics!.reusedItems).toBe(before);
        await expectLikeUninterrupted('outage', status);
      },
    );
  });
}
