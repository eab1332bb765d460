// A suite's round history against the real control plane: a BenchmarkRound record per finished
// round, read with kubectl as a user would, kept to the suite's roundHistoryLimit, and removed with
// the suite by the garbage collector. The runs here are KWOK's (their scores are made up by
// hack/testenv/stages/pod-complete.yaml); real-node.e2e.test.ts checks a record of real results.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BenchmarkRound } from '../../operator/src/api/v1alpha1/index.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { applyHealthyProvider, waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('rounds');
stopOperatorsAfterAll();

const suite = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name: 'history' },
  spec: {
    roundHistoryLimit: 2,
    runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
    targets: [
      { name: 'candidate', providerRef: 'solo', model: 'model-b' },
      { name: 'production', providerRef: 'solo', model: 'model-a' },
    ],
    benchmarks: [{ name: 'mmlu' }],
  },
};

/** The suite's records, by `kubectl get benchmarkrounds -l bench.dev/suite=history`. */
async function records(ns: string): Promise<BenchmarkRound[]> {
  const list = await kubectlGetJson<{ items: BenchmarkRound[] }>(
    ['benchmarkrounds', '-l', 'bench.dev/suite=history'],
    { namespace: ns },
  );
  return list.items.sort((a, b) => a.spec.round - b.spec.round);
}

const waitForRounds = (ns: string, expected: number[]) =>
  waitFor(`BenchmarkRound records of rounds ${expected.join(', ')}`, async () => {
    const found = await records(ns);
    const rounds = found.map((r) => r.spec.round);
    return { done: JSON.stringify(rounds) === JSON.stringify(expected), value: found, seen: rounds };
  });

describe('round history (BenchmarkRound)', () => {
  it('records each finished round, keeps the newest roundHistoryLimit, and goes with its suite', async () => {
    const ns = namespace();
    await applyHealthyProvider(ns, 4);
    startOperator({ namespaces: [ns] });
    await kubectlApply(stringify(suite), { namespace: ns });

    const first = await waitForSuite(ns, 'history', (s) => s.phase === 'Succeeded' && s.round === 1, 90_000);
    const [record] = await waitForRounds(ns, [1]);
    expect(record!.metadata.name).toBe('history-1');
    expect(record!.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'BenchmarkSuite', name: 'history', controller: true }),
    ]);
    expect(record!.spec).toMatchObject({ suite: 'history', round: 1, phase: 'Succeeded', progress: '2/2' });
    // The record holds the runs as the status showed them when the round finished.
    expect(record!.spec.runs).toEqual(first.runs);
    const scores = first.runs!.map((r) => ({ target: r.target, score: r.result!.score! }));
    const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
    expect(record!.spec.best).toBe(`${best.target} ${Number(best.score.toPrecision(3))}`);

    const table = await kubectl(['get', 'br'], { namespace: ns });
    expect(table.stdout).toMatch(/^NAME\s+SUITE\s+ROUND\s+REVISION\s+RUNS\s+BEST\s+AGE\n/);
    // No revision: the column is empty.
    expect(table.stdout).toMatch(
      new RegExp(`\nhistory-1\\s+history\\s+1\\s+2/2\\s+${record!.spec.best}\\s+\\S+\n`),
    );

    // Two more rounds: the first record goes, past the limit of 2.
    for (const round of [2, 3]) {
      await kubectl(['annotate', '--overwrite', 'bs', 'history', `bench.dev/requested-at=round-${round}`], {
        namespace: ns,
      });
      await waitForSuite(ns, 'history', (s) => s.phase === 'Succeeded' && s.round === round, 90_000);
    }
    await waitForRounds(ns, [2, 3]);

    await kubectl(['delete', 'bs', 'history', '--wait=false'], { namespace: ns });
    await waitForRounds(ns, []);
  });
});
