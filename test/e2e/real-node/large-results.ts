// A large result and a long failure, for real, on the real node (hack/testenv/node): bench-runner
// scores a dataset of 57 categories (MMLU's subjects), so its result has more metrics than a run's
// status holds, while the same benchmark against a provider that fails half-way with a long error
// body fails. The suite's status shows both runs, as `kubectl get` and `kubectl describe` print
// it, and keeps being written to the end (a status the API server refused would stop there).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { FakeProvider } from '../../../runner/test/fakes/core.ts';
import { HEADLINE_METRICS, STATUS_MAX_METRICS } from '../../../operator/src/core/suite/result.ts';
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
import { waitForSuite } from '../../support/suites.ts';
import { MMLU_SUBJECTS } from '../../fixtures/mmlu-subjects.ts';
import type { BenchmarkSuite } from '../../../operator/src/api/v1alpha1/index.ts';

/** Registered by real-node.e2e.test.ts, which runs everything that uses the node one after the other. */
export function largeResultsOnTheRealNode(): void {
  const namespace = useNamespace('large-results');
  stopOperatorsAfterAll();

  const API_KEY = `sk-large-results-${randomBytes(12).toString('hex')}`;
  /** Real containers on two CPUs shared with the rest of the e2e run. */
  const REAL_RUN_TIMEOUT_MS = 360_000;

  /** The categories of the dataset. */
  const SUBJECTS = MMLU_SUBJECTS;

  /** The stand-ins' one answer: what a model answering B to everything scores is known in advance. */
  const ANSWER = 'B';

  interface Item {
    id: string;
    prompt: string;
    expected: string;
    scorer: 'choice';
    category: string;
  }

  /** Two questions per subject; B is right for both, one or neither, so subjects score 1, 0.5 or 0. */
  const ITEMS: Item[] = SUBJECTS.flatMap((category, c) =>
    [0, 1].map((i) => ({
      id: `${category}-${i}`,
      prompt: `Question ${i + 1} on ${category.replaceAll('_', ' ')}?\nA) one\nB) two\nC) three\nD) four\nAnswer with the letter of the correct option.`,
      expected: i === 0 ? (c % 2 === 0 ? 'B' : 'A') : c % 3 === 0 ? 'B' : 'D',
      scorer: 'choice' as const,
      category,
    })),
  );
  const share = (items: Item[]) => items.filter((item) => item.expected === ANSWER).length / items.length;

  /** Requests the failing stand-in answers before it fails every request: about half the items. */
  const ANSWERED_BEFORE_FAILING = 50;
  /** A provider's long error body (3 KB and more), with characters of every width. */
  const LONG_ERROR = JSON.stringify({
    error: {
      message: `the upstream model server is overloaded 🔥 — réessayez plus tard <retry later> & ${'details: shard 7 of 12 unavailable; '.repeat(80)}`,
      type: 'server_error',
      code: 'overloaded',
    },
  });

  describe('a result larger than status holds, and a long failure, on the real node', () => {
    let steady: FakeProvider;
    let flaky: FakeProvider;

    beforeAll(async () => {
      expect(LONG_ERROR.length).toBeGreaterThan(3_000);
      steady = await startBridgeStandIn({ apiKey: API_KEY, answer: () => ANSWER });
      let answered = 0;
      flaky = await startBridgeStandIn({
        apiKey: API_KEY,
        answer: () => {
          // Every request after these gets the long error instead of an answer.
          if (++answered >= ANSWERED_BEFORE_FAILING)
            flaky.failAlways({ type: 'raw', status: 500, body: LONG_ERROR });
          return ANSWER;
        },
      });
      const ns = namespace();
      await createStandInCredentials(ns, API_KEY);
      await kubectlApply(
        [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'large-datasets' },
            data: { 'mmlu-57.jsonl': `${ITEMS.map((item) => JSON.stringify(item)).join('\n')}\n` },
          },
          standInProviderPolicy('steady', steady),
          standInProviderPolicy('flaky', flaky),
          realNodeSchedulePolicy('real'),
        ]
          .map((o) => stringify(o))
          .join('---\n'),
        { namespace: ns },
      );
    });
    afterAll(async () => {
      await steady?.close();
      await flaky?.close();
    });

    it(
      'the suite shows both runs: the 57-category one with its score and headline metrics, the failed one with its reason and a short message',
      { timeout: REAL_RUN_TIMEOUT_MS },
      async () => {
        const ns = namespace();
        const operator = startOperator({ namespaces: [ns] });
        await kubectlApply(
          stringify({
            apiVersion: 'bench.dev/v1alpha1',
            kind: 'BenchmarkSuite',
            metadata: { name: 'large' },
            spec: {
              schedulePolicyRef: 'real',
              runner: {
                image: RUNNER_IMAGE,
                volumes: [{ name: 'datasets', configMap: { name: 'large-datasets' } }],
                volumeMounts: [{ name: 'datasets', mountPath: '/datasets', readOnly: true }],
              },
              targets: [
                { name: 'steady', providerRef: 'steady', model: 'stand-in-1' },
                { name: 'flaky', providerRef: 'flaky', model: 'stand-in-1' },
              ],
              benchmarks: [
                {
                  name: 'mmlu',
                  // One attempt per request: the failing provider ends the run at once, not after backoffs.
                  args: ['--dataset=/datasets/mmlu-57.jsonl', '--concurrency=2', '--max-attempts=1'],
                },
              ],
              retry: { limit: 0 },
            },
          }),
          { namespace: ns },
        );
        const done = await waitForSuite(
          ns,
          'large',
          (s) => s.phase === 'Succeeded' || s.phase === 'Failed',
          300_000,
        );

        // What `kubectl get bs -o json` shows.
        const suite = await kubectlGetJson<BenchmarkSuite>(['bs', 'large'], { namespace: ns });
        const status = suite.status!;
        expect(status, 'the status the operator last wrote is the final one').toEqual(done);
        expect(status.phase).toBe('Failed');
        expect(status.progress).toBe('2/2');
        expect(status.summary).toMatchObject({ total: 2, succeeded: 1, failed: 1 });
        expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
          status: 'True',
          reason: 'RoundFailed',
        });
        expect(status.runs?.map((r) => [r.name, r.state])).toEqual([
          ['mmlu-steady', 'Succeeded'],
          ['mmlu-flaky', 'Failed'],
        ]);
        const [scored, failed] = status.runs!;

        // The 57-category run: its score, at most 32 metrics, the headline ones first, the rest counted.
        expect(scored!.result?.score).toBeCloseTo(share(ITEMS), 4);
        // Which metrics are kept (the API server writes an object's keys in sorted order).
        const kept = Object.keys(scored!.result!.metrics!).sort();
        expect(kept).toHaveLength(STATUS_MAX_METRICS);
        const headline = HEADLINE_METRICS.filter((name) => kept.includes(name));
        expect(headline).toEqual(
          expect.arrayContaining(['items', 'answeredItems', 'accuracy', 'latencyP50Ms']),
        );
        const categories = SUBJECTS.slice(0, STATUS_MAX_METRICS - headline.length);
        expect(kept, 'the headline metrics, then the first subjects by name').toEqual(
          [...headline, ...categories.map((c) => `accuracy/${c}`)].sort(),
        );
        for (const category of categories) {
          const expected = share(ITEMS.filter((item) => item.category === category));
          expect(scored!.result!.metrics![`accuracy/${category}`], category).toBeCloseTo(expected, 4);
        }
        expect(scored!.result!.metrics!.items).toBe(ITEMS.length);
        const total = headline.length + SUBJECTS.length;
        const note = `${total - STATUS_MAX_METRICS} of ${total} metrics left out (status holds 32, headline metrics first): the whole result is in the termination message and log of Job ${scored!.job}'s pods`;
        expect(scored!.message).toBe(`attempt 1 succeeded; ${note}`);

        // The failed run: its reason, and the runner's error in a message status holds.
        expect(failed!.reason).toBe('RetriesExhausted');
        expect(failed!.message).toMatch(
          /^attempt 1 failed \(exit code 10\): \d+ of 114 items failed after retries \(at most 5 may\), most because the provider was unavailable; no retries left \(limit 0\)$/,
        );
        expect([...failed!.message!].length).toBeLessThanOrEqual(512);
        expect(flaky.requests.length, 'the failing stand-in answered, then failed').toBeGreaterThan(
          ANSWERED_BEFORE_FAILING,
        );

        // What `kubectl describe bs` shows.
        const { stdout: described } = await kubectl(['describe', 'bs', 'large'], { namespace: ns });
        expect(described).toContain('mmlu-steady');
        expect(described).toContain('mmlu-flaky');
        expect(described).toContain('RetriesExhausted');
        expect(described).toContain(`metrics left out (status holds 32, headline metrics first)`);
        expect(described).toMatch(/accuracy\/abstract_algebra:\s+1\n/);

        // Every status write was taken: no reconcile of the suite failed (a refused write, 422 or
        // too large, fails it), and the key is nowhere.
        const log = readFileSync(operator.logFile, 'utf8');
        const failures = log
          .split('\n')
          .filter(
            (line) => line.includes('"controller":"benchmarksuite"') && line.includes('reconcile failed'),
          );
        expect(failures).toEqual([]);
        expect(log).not.toContain(API_KEY);
        expect(JSON.stringify(suite)).not.toContain(API_KEY);
        expect(described).not.toContain(API_KEY);
      },
    );
  });
}
