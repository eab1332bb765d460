// LLM-as-judge under the same budgets, for real (docs/results.md#llm-as-judge): bench-runner on
// the real node answers with one provider stand-in and has every answer graded by a second, the
// judge, a ProviderPolicy of its own with a cap and a budget. The judge's cap holds (sampled while
// the runs go: never two judged runs at once, though the target could take three), its budget holds
// (once spent, the next runs wait, saying so), its spend shows on its own ProviderPolicy, and the
// results carry the judge's verdicts and usage.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { FakePrompt, FakeProvider } from '../../../runner/test/fakes/core.ts';
import type { ProviderPolicy } from '../../../operator/src/api/v1alpha1/index.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../../support/kubectl.ts';
import { useNamespace } from '../../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../../support/operator.ts';
import {
  createStandInCredentials,
  RUNNER_IMAGE,
  realNodeSchedulePolicy,
  startBridgeStandIn,
  standInProviderPolicy,
} from '../../support/real-node.ts';
import { suiteStatus, waitForSuite } from '../../support/suites.ts';
import { waitFor } from '../../support/wait.ts';

/** Registered by real-node.e2e.test.ts, which runs everything that uses the node one after the other. */
export function judgeOnTheRealNode(): void {
  const namespace = useNamespace('judge');
  stopOperatorsAfterAll();

  const API_KEY = `sk-judge-${randomBytes(12).toString('hex')}`;
  const ITEMS = 10;
  const RUN_TIMEOUT_MS = 360_000;
  const TARGETS = ['a', 'b', 'c'];
  const DATASET = Array.from({ length: ITEMS }, (_, k) =>
    JSON.stringify({ id: `q${k}`, prompt: `Question ${k}: explain it.`, reference: `The answer to ${k}.` }),
  ).join('\n');
  const question = (prompt: FakePrompt) =>
    Number(/Question (\d+):/.exec(prompt.messages.map((m) => m.content).join('\n'))?.[1]);
  /** The judge passes the answers to even questions: every run scores 0.5. */
  const verdict = (prompt: FakePrompt) =>
    JSON.stringify(
      question(prompt) % 2 === 0
        ? { score: 1, reason: 'agrees with the reference' }
        : { score: 0, reason: 'wrong' },
    );

  let target: FakeProvider;
  let judge: FakeProvider;

  const suite = stringify({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: 'judged' },
    spec: {
      schedulePolicyRef: 'real',
      runner: {
        image: RUNNER_IMAGE,
        volumes: [{ name: 'datasets', configMap: { name: 'judge-datasets' } }],
        volumeMounts: [{ name: 'datasets', mountPath: '/datasets', readOnly: true }],
      },
      targets: TARGETS.map((name) => ({ name, providerRef: 'answers', model: `model-${name}` })),
      benchmarks: [
        {
          name: 'qa',
          args: ['--dataset=/datasets/qa.jsonl', '--concurrency=2', '--max-attempts=1'],
          judge: {
            providerRef: 'graders',
            model: 'judge-1',
            rubric: 'Does the answer agree with the reference?',
          },
        },
      ],
      retry: { limit: 0 },
    },
  });

  const judgedJobs = async (): Promise<number> => {
    const jobs = await kubectlGetJson<{ items: Array<{ status?: { active?: number } }> }>(
      ['jobs', '-l', 'bench.dev/judge-provider=graders'],
      { namespace: namespace() },
    );
    return jobs.items.filter((job) => (job.status?.active ?? 0) > 0).length;
  };

  describe('a judge under its own cap and budget, on the real node', () => {
    // Inside the describe: the hooks run when its tests do, after the other real-node tests.
    beforeAll(async () => {
      const ns = namespace();
      target = await startBridgeStandIn({
        apiKey: API_KEY,
        answer: (p) => `The answer to ${question(p)}.`,
        delayMs: 200,
      });
      judge = await startBridgeStandIn({ apiKey: API_KEY, answer: verdict, delayMs: 200 });
      await createStandInCredentials(ns, API_KEY);
      await kubectlApply(
        [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'judge-datasets' },
            data: { 'qa.jsonl': `${DATASET}\n` },
          },
          standInProviderPolicy('answers', target, { maxConcurrentRuns: 3 }),
          standInProviderPolicy('graders', judge, { maxConcurrentRuns: 1 }),
          realNodeSchedulePolicy('real'),
        ]
          .map((object) => stringify(object))
          .join('---\n'),
        { namespace: ns },
      );
      startOperator({ namespaces: [ns] });
    }, 120_000);

    afterAll(async () => {
      await target?.close();
      await judge?.close();
    });

    it(
      "runs one judged run at a time under the judge's cap, and each run carries the judge's verdicts and usage",
      { timeout: RUN_TIMEOUT_MS + 60_000 },
      async () => {
        await kubectlApply(suite, { namespace: namespace() });
        let most = 0;
        const status = await waitFor(
          'the judged suite to finish, the judge provider never running two at once',
          async () => {
            most = Math.max(most, await judgedJobs());
            const s = await suiteStatus(namespace(), 'judged');
            return {
              done: s.phase === 'Succeeded' || s.phase === 'Failed',
              value: s,
              seen: { most, phase: s.phase },
            };
          },
          { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 200 },
        );
        expect(status.phase).toBe('Succeeded');
        // The target could take all three at once; the judge's cap of one held them to one by one.
        expect(most).toBe(1);
        for (const run of status.runs!) {
          expect(run.result!.score).toBe(0.5);
          expect(run.result!.metrics).toMatchObject({ judgeItems: ITEMS, judgeUnparseable: 0 });
          expect(run.result!.judgeUsage!.inputTokens).toBeGreaterThan(0);
        }
        // Every answer was graded: one judge request per item of every run.
        expect(judge.requests).toHaveLength(ITEMS * TARGETS.length);
        expect(target.requests).toHaveLength(ITEMS * TARGETS.length);
      },
    );

    it(
      "stops starting judged runs once the judge's budget is spent, says why, and shows the spend on the judge's ProviderPolicy",
      { timeout: RUN_TIMEOUT_MS + 60_000 },
      async () => {
        // A budget the first run's grading spends: the next runs must wait for the judge.
        await kubectl(
          [
            'patch',
            'providerpolicy',
            'graders',
            '--type=merge',
            '-p',
            JSON.stringify({
              spec: {
                cost: { currency: 'USD', inputPerMillionTokens: '1', outputPerMillionTokens: '1' },
                budget: { limit: '0.000001', period: 'Month' },
              },
            }),
          ],
          { namespace: namespace() },
        );
        await kubectl(
          ['annotate', 'benchmarksuite', 'judged', 'bench.dev/requested-at=budget', '--overwrite'],
          {
            namespace: namespace(),
          },
        );
        // Spend is accounted when a run has finished: a run admitted in the moment between may still
        // start (at most one a slot of the judge's cap); once the spend is known, no run starts.
        const status = await waitForSuite(
          namespace(),
          'judged',
          (s) =>
            s.round === 2 &&
            (s.summary?.running ?? 0) === 0 &&
            (s.runs ?? []).some((r) => r.reason === 'BudgetExhausted'),
          RUN_TIMEOUT_MS,
        );
        const waiting = status.runs!.filter((r) => r.reason === 'BudgetExhausted');
        for (const run of waiting) {
          expect(run.state).toBe('Queued');
          expect(run.message).toMatch(/^judge: provider graders has spent/);
        }
        const succeeded = status.summary!.succeeded!;
        expect(succeeded + waiting.length).toBe(TARGETS.length);
        // In money, apart: the grading at the judge's prices; the answers' provider has none.
        for (const run of status.runs!.filter((r) => r.state === 'Succeeded')) {
          expect(run.result).toMatchObject({ judgeCurrency: 'USD' });
          expect(Number(run.result!.judgeCost)).toBeGreaterThan(0);
          expect(run.result!.cost).toBeUndefined();
        }
        expect(succeeded).toBeLessThan(TARGETS.length);
        // The judged runs that finished since the budget was set are charged to the judge (this
        // round's, and the first round's last if it was accounted after the patch), once accounted.
        const graders = await waitFor(
          "the judge's ProviderPolicy to have accounted the judged runs",
          async () => {
            const policy = await kubectlGetJson<ProviderPolicy>(['providerpolicy', 'graders'], {
              namespace: namespace(),
            });
            const runs = policy.status?.spend?.runs ?? 0;
            return { done: runs >= Math.max(1, succeeded), value: policy, seen: policy.status?.spend };
          },
          { timeoutMs: 60_000 },
        );
        expect(Number(graders.status?.spend?.amount)).toBeGreaterThan(0);
        // The answers' provider has no budget and charged nothing of the judge's grading.
        const answers = await kubectlGetJson<ProviderPolicy>(['providerpolicy', 'answers'], {
          namespace: namespace(),
        });
        expect(answers.status?.spend).toBeUndefined();
        await waitFor(
          'no second judged run to start while the budget is spent',
          async () => ({ done: (await judgedJobs()) === 0, value: undefined, seen: await judgedJobs() }),
          { timeoutMs: 60_000 },
        );
      },
    );
  });
}
