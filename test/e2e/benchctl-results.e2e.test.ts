// benchctl results against the real control plane: a suite run to completion by the operator on
// KWOK, its BenchmarkRound record read with kubectl, and benchctl's table, JSON and CSV checked
// against it. KWOK's results (hack/testenv/stages/pod-complete.yaml) have made-up scores and no
// correctItems, so they carry no interval and --compare can only set their bare values side by side;
// the numbers of a comparison are unit-tested (operator/src/cli/round-results.test.ts).
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BenchmarkRound } from '../../operator/src/api/v1alpha1/index.ts';
import { benchctl, parseJson } from '../support/benchctl.ts';
import { createRepo } from '../support/git-repo.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { kubeconfigPath } from '../support/paths.ts';
import { applyHealthyProvider, waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('results');
stopOperatorsAfterAll();

const suite = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name: 'scored', annotations: { 'bench.dev/source-revision': 'main@sha1:0123456789abcdef' } },
  spec: {
    runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
    targets: [
      { name: 'candidate', providerRef: 'solo', model: 'model-b' },
      { name: 'production', providerRef: 'solo', model: 'model-a' },
    ],
    benchmarks: [{ name: 'mmlu' }, { name: 'gsm8k' }],
  },
};

const results = (...args: string[]) =>
  benchctl(['results', ...args, '-n', namespace()], { env: { KUBECONFIG: kubeconfigPath } });

interface ResultsJson {
  suite: string;
  round: number;
  sourceRevision: string | null;
  phase: string;
  runs: Array<Record<string, unknown>>;
  comparisons?: Array<{
    benchmark: string;
    possible: boolean;
    method: string | null;
    difference: number | null;
    pValue: number | null;
    text: string;
  }>;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('benchctl results', () => {
  it(
    'shows the latest round from its BenchmarkRound record as a table, JSON and CSV',
    { timeout: 180_000 },
    async () => {
      const ns = namespace();
      await applyHealthyProvider(ns, 4);
      startOperator({ namespaces: [ns] });

      // Before any round finished: no record, a finding.
      const none = await results('nowhere');
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('BenchmarkSuite nowhere has no finished round recorded');

      await kubectlApply(stringify(suite), { namespace: ns });
      await waitForSuite(ns, 'scored', (s) => s.phase === 'Succeeded' && s.round === 1, 120_000);
      const record = await waitFor('the BenchmarkRound of round 1', async () => {
        const list = await kubectlGetJson<{ items: BenchmarkRound[] }>(
          ['benchmarkrounds', '-l', 'bench.dev/suite=scored'],
          { namespace: ns },
        );
        return { done: list.items.length === 1, value: list.items[0]!, seen: list.items.length };
      });
      const runs = record.spec.runs!;
      expect(runs).toHaveLength(4);

      const table = await results('scored');
      expect(table.stderr).toBe('');
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^BENCHMARK\s+TARGET\s+MODEL\s+STATE\s+SCORE\s+95% CI\s+ITEMS\s+COST$/);
      expect(lines).toHaveLength(runs.length + 2);
      for (const run of runs) {
        // KWOK's results: no correctItems (no interval), no prices (no cost).
        const row = [
          run.benchmark,
          run.target,
          run.model!,
          run.state,
          run.result!.score!.toFixed(3),
          '—',
          '—',
          '—',
        ];
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${row.map(escape).join('\\s+')}$`)));
      }
      expect(lines.at(-1)).toBe(
        'round 1  revision main@sha1:0123456789abcdef  phase Succeeded  4/4 runs succeeded',
      );

      const json = parseJson<ResultsJson>(await results('scored', '-o', 'json'));
      expect(json).toMatchObject({
        suite: 'scored',
        round: 1,
        sourceRevision: record.spec.sourceRevision,
        phase: record.spec.phase,
      });
      expect(json.runs).toEqual(
        runs.map((r) => ({
          run: r.name,
          benchmark: r.benchmark,
          target: r.target,
          provider: r.provider ?? null,
          model: r.model ?? null,
          state: r.state,
          score: r.result?.score ?? null,
          low: null,
          high: null,
          items: null,
          cost: null,
        })),
      );

      const csv = await results('scored', '-o', 'csv');
      expect(csv.code).toBe(0);
      expect(csv.stdout).toBe(
        'run,benchmark,target,provider,model,state,score,low,high,items,cost\r\n' +
          runs
            .map(
              (r) =>
                `${r.name},${r.benchmark},${r.target},${r.provider},${r.model},${r.state},${r.result!.score},,,,\r\n`,
            )
            .join(''),
      );

      // A round that has no record: a finding naming the rounds there are.
      const missing = await results('scored', '--round', '7');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('BenchmarkSuite scored has no record of round 7; recorded rounds: 1');
      expect((await results('scored', '--round', '1')).stdout).toBe(table.stdout);
    },
  );

  it(
    'compares the two targets’ bare scores, values only, when the results kept no counts',
    { timeout: 60_000 },
    async () => {
      const [record] = (
        await kubectlGetJson<{ items: BenchmarkRound[] }>(
          ['benchmarkrounds', '-l', 'bench.dev/suite=scored'],
          { namespace: namespace() },
        )
      ).items;
      const score = (benchmark: string, target: string) =>
        record!.spec.runs!.find((r) => r.benchmark === benchmark && r.target === target)!.result!.score!;
      const difference = (benchmark: string) =>
        score(benchmark, 'candidate') - score(benchmark, 'production');

      const compared = await results('scored', '--compare', 'candidate', 'production');
      expect(compared.code).toBe(0);
      for (const benchmark of ['mmlu', 'gsm8k']) {
        expect(compared.stdout).toContain(
          `\n${benchmark}: candidate ${score(benchmark, 'candidate').toFixed(3)} vs production ` +
            `${score(benchmark, 'production').toFixed(3)}, `,
        );
      }
      expect(
        compared.stdout.match(/, values only \(without both scores as counts of correct items/g),
      ).toHaveLength(2);

      const json = parseJson<ResultsJson>(
        await results('scored', '--compare', 'candidate', 'production', '-o', 'json'),
      );
      expect(
        json.comparisons?.map((c) => [c.benchmark, c.possible, c.method, c.difference, c.pValue]),
      ).toEqual([
        ['mmlu', true, 'values only', difference('mmlu'), null],
        ['gsm8k', true, 'values only', difference('gsm8k'), null],
      ]);
      const csv = await results('scored', '--compare', 'candidate', 'production', '-o', 'csv');
      // The verdicts hold commas: quoted.
      expect(csv.stdout).toContain(
        '\r\n\r\nbenchmark,a,b,possible,paired,method,difference,low,high,pValue,text\r\n' +
          `mmlu,candidate,production,true,false,values only,${difference('mmlu')},,,,"mmlu: candidate `,
      );
    },
  );

  // benchctl history tells the round by its record: the record's times, outcome and counts.
  it('history shows the recorded round', { timeout: 60_000 }, async () => {
    const [record] = (
      await kubectlGetJson<{ items: BenchmarkRound[] }>(['benchmarkrounds', '-l', 'bench.dev/suite=scored'], {
        namespace: namespace(),
      })
    ).items;
    const repo = await createRepo();
    try {
      repo.write('suites/scored.yaml', stringify(suite));
      await repo.commit('add scored');
      const history = await benchctl(['history', 'scored', '-n', namespace(), '-o', 'json'], {
        env: { KUBECONFIG: kubeconfigPath },
        cwd: repo.dir,
      });
      expect(history.code).toBe(0);
      // The suite's revision names no commit of this repository.
      expect(parseJson<{ unmatchedRounds: unknown[] }>(history).unmatchedRounds).toEqual([
        {
          round: 1,
          revision: record!.spec.sourceRevision,
          outcome: 'Succeeded',
          runs: 4,
          succeeded: 4,
          failed: 0,
          ...(record!.spec.startTime ? { startedAt: record!.spec.startTime } : {}),
          finishedAt: record!.spec.completionTime,
        },
      ]);
    } finally {
      repo.remove();
    }
  });
});
