// A suite's round history against the real control plane: a BenchmarkRound record per finished
// round, read with kubectl as a user would, kept to the suite's roundHistoryLimit, and removed with
// the suite by the garbage collector. The runs here are KWOK's (their scores are made up by
// hack/testenv/stages/pod-complete.yaml); real-node.e2e.test.ts checks a record of real results.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BenchmarkRound } from '../../operator/src/api/v1alpha1/index.ts';
import { evaluateHealth, healthScriptPath } from '../support/argocd-health.ts';
import { eventsFor } from '../support/events.ts';
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

/** A suite's records, by `kubectl get benchmarkrounds -l bench.dev/suite=<suite>`. */
async function records(ns: string, suiteName: string): Promise<BenchmarkRound[]> {
  const list = await kubectlGetJson<{ items: BenchmarkRound[] }>(
    ['benchmarkrounds', '-l', `bench.dev/suite=${suiteName}`],
    { namespace: ns },
  );
  return list.items.sort((a, b) => a.spec.round - b.spec.round);
}

const waitForRounds = (ns: string, expected: number[]) => waitForRoundsOf(ns, 'history', expected);

const waitForRoundsOf = (ns: string, suiteName: string, expected: number[]) =>
  waitFor(`BenchmarkRound records of ${suiteName}, rounds ${expected.join(', ')}`, async () => {
    const found = await records(ns, suiteName);
    const rounds = found.map((r) => r.spec.round);
    return { done: JSON.stringify(rounds) === JSON.stringify(expected), value: found, seen: rounds };
  });

describe('round history (BenchmarkRound)', () => {
  // One operator for the file's namespace: two would both act on every suite.
  beforeAll(async () => {
    await applyHealthyProvider(namespace(), 4);
    startOperator({ namespaces: [namespace()] });
  });

  it('records each finished round, keeps the newest roundHistoryLimit, and goes with its suite', async () => {
    const ns = namespace();
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
    expect(table.stdout).toMatch(/^NAME\s+SUITE\s+ROUND\s+REVISION\s+RUNS\s+BEST\s+GATES\s+AGE\n/);
    // No revision and no gates: those columns are empty.
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

  it('fails a regression gate on a finished round: Ready=False, a Warning Event, the record, and Argo CD Degraded', async () => {
    const ns = namespace();
    // KWOK reports this result for every run (made up: hack/testenv/stages/pod-complete.yaml): 700
    // of 1,000 items correct, whose 95% interval (0.671…0.728) lies below the threshold.
    const gated = {
      ...suite,
      metadata: { name: 'gated' },
      spec: {
        ...suite.spec,
        runner: {
          ...suite.spec.runner,
          podAnnotations: {
            'pod-complete.stage.kwok.x-k8s.io/message':
              '{"score":0.7,"metrics":{"answeredItems":1000,"correctItems":700}}',
          },
        },
        gates: [
          { name: 'floor', benchmark: 'mmlu', candidate: 'candidate', baseline: { threshold: '0.8' } },
          { name: 'same', benchmark: 'mmlu', candidate: 'candidate', baseline: { target: 'production' } },
        ],
      },
    };
    await kubectlApply(stringify(gated), { namespace: ns });

    const status = await waitForSuite(
      ns,
      'gated',
      (s) => s.phase === 'Succeeded' && s.conditions?.some((c) => c.type === 'GatesPassed') === true,
      90_000,
    );
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'GateFailed',
    });
    expect(status.gates).toEqual([
      expect.objectContaining({ name: 'floor', round: 1, verdict: 'Failed', value: 0.7, items: 1000 }),
      expect.objectContaining({ name: 'same', round: 1, verdict: 'Passed' }),
    ]);
    expect(status.gates![0]!.message).toMatch(
      /^mmlu: candidate 0\.700 \(95% CI 0\.671…0\.728, Wilson\) vs threshold 0\.8/,
    );

    const events = await waitFor('a GateFailed Warning Event', async () => {
      const found = (await eventsFor('BenchmarkSuite', 'gated', ns)).filter((e) => e.reason === 'GateFailed');
      return { done: found.length === 1, value: found, seen: found };
    });
    expect(events[0]).toMatchObject({ type: 'Warning' });
    expect(events[0]!.note).toContain('gate floor failed on round 1');

    const [record] = await waitForRoundsOf(ns, 'gated', [1]);
    expect(record!.spec.gateVerdict).toBe('Failed 1/2');
    const table = await kubectl(['get', 'br', 'gated-1'], { namespace: ns });
    expect(table.stdout).toMatch(/GATES/);
    expect(table.stdout).toMatch(/Failed 1\/2/);

    // What Argo CD's health check (config/argocd) makes of the suite: Degraded, so a sync wave or
    // promotion waiting for it stops.
    const live = await kubectlGetJson<unknown>(['benchmarksuite', 'gated'], { namespace: ns });
    const script = readFileSync(healthScriptPath('BenchmarkSuite'), 'utf8');
    expect(await evaluateHealth(script, live)).toMatchObject({ status: 'Degraded' });
  });
});
