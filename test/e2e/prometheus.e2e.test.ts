// A real Prometheus server (Debian's package) scrapes the running operator: PromQL over the
// bench_* metrics tells what the suites, policies, Jobs and the audit webhook say, the alerting
// rules load and the alerts the situation calls for are raised, every query of the Grafana
// dashboard runs and shows data, and the series of deleted objects go.
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createSigningKey, startAuditedOperator } from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { dashboardQueries, operatorMetricNames } from '../support/dashboard.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { stopOperatorsAfterAll } from '../support/operator.ts';
import { repoRoot } from '../support/paths.ts';
import { OPERATOR_JOB, startPrometheus, type PrometheusServer, type Sample } from '../support/prometheus.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('prom');
stopOperatorsAfterAll();
closeReceiversAfterAll();
let prometheus: PrometheusServer | undefined;
afterAll(() => prometheus?.stop());

const runner = {
  image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
  resources: { requests: { cpu: '10m' } },
};
const cost = { inputPerMillionTokens: '1', outputPerMillionTokens: '2' };

const provider = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name },
  spec: { provider: 'openai-compatible', endpoint: 'http://healthy.kwok.invalid', ...spec },
});

const suite = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name },
  spec: { runner, ...spec },
});

/** `{label=value, ...}` of each sample, for comparisons that read well when they fail. */
const byLabels = (samples: Sample[], ...labels: string[]): Record<string, number> =>
  Object.fromEntries(samples.map((s) => [labels.map((l) => s.metric[l]).join('/'), s.value]));

interface ProviderStatus {
  status?: { spend?: { amount?: string; runs?: number; currency?: string } };
}

describe('metrics scraped by a real Prometheus', () => {
  it('PromQL over the domain metrics gives what the suites, policies, Jobs and audit webhook say', async () => {
    const ns = namespace();
    const sel = `namespace="${ns}"`;
    await kubectlApply(
      [
        { apiVersion: 'bench.dev/v1alpha1', kind: 'SchedulePolicy', metadata: { name: 'nightly' }, spec: {} },
        // One run at a time: the second and third wait (ProviderCapacity).
        provider('capped', { maxConcurrentRuns: 1, cost, budget: { limit: '1000', period: 'Month' } }),
        // Down: its one run fails and its circuit opens for an hour.
        provider('flaky', {
          endpoint: 'http://unavailable.kwok.invalid',
          circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
        }),
        // A budget one run exhausts.
        provider('tight', { cost, budget: { limit: '0.000001', period: 'Month' } }),
        suite('eval', {
          schedulePolicyRef: 'nightly',
          targets: [{ name: 'main', providerRef: 'capped', model: 'm1' }],
          benchmarks: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
          // A floor no score is below: the gate passes, and its verdict is a series.
          gates: [{ name: 'a-floor', benchmark: 'a', candidate: 'main', baseline: { threshold: '0' } }],
        }),
        suite('edge', {
          retry: { limit: 0 },
          targets: [
            { name: 'down', providerRef: 'flaky', model: 'm1' },
            { name: 'dear', providerRef: 'tight', model: 'm1' },
          ],
          benchmarks: [{ name: 'x' }],
        }),
      ]
        .map((o) => stringify(o))
        .join('---\n'),
      { namespace: ns },
    );
    const receiver = await AuditReceiver.start(await createSigningKey(ns));
    // With leader election, as deployed: only the leader exports the bench_* levels.
    const operator = startAuditedOperator(ns, receiver.url, { leaderElection: true });
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${await operator.metricsPort()}`],
      ruleFiles: [`${repoRoot}/config/prometheus/alerts.rules.yaml`],
    });
    const prom = prometheus;

    const evalDone = await waitForSuite(ns, 'eval', (s) => s.phase === 'Succeeded', 90_000);
    const edgeDone = await waitForSuite(
      ns,
      'edge',
      (s) => s.phase === 'Failed' && s.summary?.succeeded === 1,
      90_000,
    );
    // Spend is accounted by the ProviderPolicy reconciler once the runs have finished.
    const capped = await waitFor('the spend of capped to count its 3 runs', async () => {
      const p = await kubectlGetJson<ProviderStatus>(['providerpolicy', 'capped'], { namespace: ns });
      return { done: p.status?.spend?.runs === 3, value: p.status!.spend!, seen: p.status };
    });
    const exact =
      (expected: Record<string, number>, ...labels: string[]) =>
      (samples: Sample[]) =>
        isDeepStrictEqual(byLabels(samples, ...labels), expected);

    // Runs by state, phase and round per suite.
    await prom.waitForQuery(`sum by (suite, state) (bench_suite_runs{${sel}})`, (samples) => {
      const v = byLabels(samples, 'suite', 'state');
      return (
        v['eval/Succeeded'] === 3 &&
        v['eval/Queued'] === 0 &&
        v['edge/Succeeded'] === 1 &&
        v['edge/Failed'] === 1 &&
        Object.values(v).reduce((a, b) => a + b) === 5
      );
    });
    await prom.waitForQuery(
      `bench_suite_phase{${sel}} == 1`,
      exact({ 'edge/Failed': 1, 'eval/Succeeded': 1 }, 'suite', 'phase'),
    );
    expect(byLabels(await prom.query(`bench_suite_round{${sel}}`), 'suite')).toEqual({ edge: 1, eval: 1 });
    // The scores of the succeeded runs, as their suites' status has them.
    const scores = Object.fromEntries(
      [
        ['eval', evalDone],
        ['edge', edgeDone],
      ].flatMap(([suite, status]) =>
        (status as typeof evalDone)
          .runs!.filter((r) => r.state === 'Succeeded')
          .map((r) => [`${suite as string}/${r.benchmark}/${r.target}`, r.result!.score!]),
      ),
    );
    expect(Object.keys(scores)).toHaveLength(4);
    await prom.waitForQuery(`bench_run_score{${sel}}`, exact(scores, 'suite', 'benchmark', 'target'));
    await prom.waitForQuery(
      `bench_gate_verdict{${sel}} == 1`,
      exact({ 'eval/a-floor/Passed': 1 }, 'suite', 'gate', 'verdict'),
    );
    // Nothing waits any more: the policy's queue is empty, no wait for admission is left.
    expect(byLabels(await prom.query(`bench_schedulepolicy_queued_runs{${sel}}`), 'schedulepolicy')).toEqual({
      nightly: 0,
    });
    expect(byLabels(await prom.query(`bench_suite_longest_admission_wait_seconds{${sel}}`), 'suite')).toEqual(
      {
        edge: 0,
        eval: 0,
      },
    );

    // Providers: circuits, active runs, spend against budget (the status' own amount).
    await prom.waitForQuery(
      `bench_providerpolicy_circuit_state{${sel}} == 1`,
      exact({ 'capped/Closed': 1, 'flaky/Open': 1, 'tight/Closed': 1 }, 'providerpolicy', 'state'),
    );
    expect(byLabels(await prom.query(`bench_providerpolicy_active_runs{${sel}}`), 'providerpolicy')).toEqual({
      capped: 0,
      flaky: 0,
      tight: 0,
    });
    expect(
      byLabels(await prom.query(`bench_providerpolicy_max_concurrent_runs{${sel}}`), 'providerpolicy'),
    ).toEqual({ capped: 1 });
    // The status write of the third run's spend can be the one a scrape has not seen yet.
    const spent = byLabels(
      await prom.waitForQuery(
        `bench_providerpolicy_budget_spent{${sel}}`,
        (samples) =>
          Math.abs(
            (byLabels(samples, 'providerpolicy', 'currency')['capped/USD'] ?? 0) - Number(capped.amount),
          ) < 1e-9,
      ),
      'providerpolicy',
      'currency',
    );
    expect(spent['capped/USD']).toBeCloseTo(Number(capped.amount), 9);
    expect(spent['capped/USD']).toBeGreaterThan(0);
    expect(byLabels(await prom.query(`bench_providerpolicy_budget_limit{${sel}}`), 'providerpolicy')).toEqual(
      {
        capped: 1000,
        tight: 0.000001,
      },
    );
    expect(
      byLabels(
        await prom.query(
          `bench_providerpolicy_budget_spent{${sel}} >= on (namespace, providerpolicy, currency) bench_providerpolicy_budget_limit`,
        ),
        'providerpolicy',
      ),
    ).toEqual({ tight: expect.any(Number) as unknown });

    // One duration per finished run, by the provider it ran on and its outcome.
    await prom.waitForQuery(
      `sum by (providerpolicy, outcome) (bench_run_duration_seconds_count{${sel}})`,
      exact({ 'capped/succeeded': 3, 'flaky/failed': 1, 'tight/succeeded': 1 }, 'providerpolicy', 'outcome'),
    );
    const passes = await prom.query('bench_scheduling_pass_duration_seconds_count');
    expect(passes[0]?.value).toBeGreaterThan(0);

    // The audit webhook got every record; the backlog drains to nothing.
    await prom.waitForQuery(
      'bench_audit_backlog',
      (samples) => samples.length === 1 && samples[0]!.value === 0,
    );
    await prom.waitForQuery(
      'bench_audit_deliveries_total{result="success"}',
      (samples) => samples[0]?.value === receiver.records.length && receiver.records.length > 0,
    );

    // A suite applied now waits: its provider's circuit is open (no failover) for an hour.
    await kubectlApply(
      stringify(
        suite('stuck', {
          schedulePolicyRef: 'nightly',
          targets: [{ name: 'main', providerRef: 'flaky', model: 'm1' }],
          benchmarks: [{ name: 'a' }],
        }),
      ),
      { namespace: ns },
    );
    await prom.waitForQuery(
      `bench_suite_waiting_runs{${sel}}`,
      exact({ 'stuck/CircuitOpen': 1 }, 'suite', 'reason'),
    );
    await prom.waitForQuery(
      `bench_schedulepolicy_queued_runs{${sel}}`,
      exact({ nightly: 1 }, 'schedulepolicy'),
    );
    // Its wait grows from scrape to scrape; the others wait for nothing.
    await prom.waitForQuery(
      `bench_suite_longest_admission_wait_seconds{${sel}} > 0`,
      (samples) => Object.keys(byLabels(samples, 'suite')).join() === 'stuck',
    );

    // Admissions: 5 runs admitted; the 2 runs capped held back were deferred once each, and the stuck one once.
    const admissions = byLabels(
      await prom.query(`bench_admission_decisions_total{decision=~"admitted|deferred"} > 0`),
      'decision',
      'reason',
    );
    expect(admissions).toEqual({
      'admitted/Admitted': 5,
      'deferred/CircuitOpen': 1,
      'deferred/ProviderCapacity': 2,
    });

    // controller-runtime's metrics under their names and labels, so dashboards and alerts made for
    // Go operators work unchanged.
    const controllerRuntime: Array<[string, string[]]> = [
      ['controller_runtime_reconcile_total', ['controller', 'result']],
      ['controller_runtime_reconcile_errors_total', ['controller']],
      ['controller_runtime_reconcile_time_seconds_bucket', ['controller', 'le']],
      ['controller_runtime_max_concurrent_reconciles', ['controller']],
      ['controller_runtime_active_workers', ['controller']],
      ...[
        'workqueue_depth',
        'workqueue_adds_total',
        'workqueue_queue_duration_seconds_bucket',
        'workqueue_work_duration_seconds_bucket',
        'workqueue_unfinished_work_seconds',
        'workqueue_longest_running_processor_seconds',
        'workqueue_retries_total',
      ].map((name): [string, string[]] => [name, ['name', 'controller']]),
      ['leader_election_master_status', ['name']],
      ['rest_client_requests_total', ['code', 'method', 'host']],
    ];
    for (const [metric, labels] of controllerRuntime) {
      const samples = await prom.query(`count by (${labels.join(', ')}) (${metric}{job="${OPERATOR_JOB}"})`);
      expect(samples.length, metric).toBeGreaterThan(0);
      for (const sample of samples)
        expect(Object.keys(sample.metric).sort(), metric).toEqual([...labels].sort());
    }
    expect(
      byLabels(
        await prom.query(
          `sum by (controller) (controller_runtime_reconcile_total{job="${OPERATOR_JOB}"}) > 0`,
        ),
        'controller',
      ),
    ).toMatchObject({
      benchmarksuite: expect.any(Number) as unknown,
      providerpolicy: expect.any(Number) as unknown,
      schedulepolicy: expect.any(Number) as unknown,
      scheduler: expect.any(Number) as unknown,
    });
    expect(await prom.query(`leader_election_master_status{job="${OPERATOR_JOB}"}`)).toMatchObject([
      { value: 1 },
    ]);

    // The alerting rules evaluate without error, and raise what this situation calls for.
    await waitFor('the alerting rules to be evaluated without error', async () => {
      const rules = await prom.rules();
      return {
        done: rules.length === 10 && rules.every((r) => r.health === 'ok'),
        seen: rules.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`),
      };
    });
    const alerts = await waitFor('the circuit and budget alerts for this namespace', async () => {
      const raised = (await prom.alerts()).filter((a) => a.labels.namespace === ns);
      const names = raised.map((a) => `${a.labels.alertname}/${a.labels.providerpolicy}`).sort();
      return {
        done: names.length === 2,
        value: names,
        seen: raised,
      };
    });
    expect(alerts).toEqual(['BenchBudgetExhausted/tight', 'BenchProviderCircuitOpenTooLong/flaky']);
    const all = (await prom.alerts()).map((a) => a.labels.alertname);
    expect(all).not.toContain('BenchOperatorDown');
    expect(all).not.toContain('BenchReconcileErrors');

    // Every query of the Grafana dashboard reads only metrics the operator exports, runs, and shows data.
    const exported = await (await fetch(`http://127.0.0.1:${await operator.metricsPort()}/metrics`)).text();
    const families = new Set([...exported.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]!));
    const family = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    const queries = dashboardQueries({ job: OPERATOR_JOB, namespace: ns, suite: '.*', rateInterval: '1m' });
    const unknown = queries.flatMap(({ name, expr }) =>
      operatorMetricNames(expr)
        .filter((metric) => !families.has(metric) && !families.has(family(metric)))
        .map((metric) => `${name} reads ${metric}`),
    );
    expect(unknown).toEqual([]);
    const empty: string[] = [];
    for (const { name, expr } of queries) {
      if ((await prom.query(expr)).length === 0) empty.push(`${name}: ${expr}`);
    }
    expect(empty).toEqual([]);

    // A deleted suite's and a deleted policy's series go (Prometheus marks them stale at the next scrape).
    await kubectl(['delete', 'benchmarksuite', 'eval', '--wait=true'], { namespace: ns });
    await kubectl(['delete', 'providerpolicy', 'capped', '--wait=true'], { namespace: ns });
    await prom.waitForQuery(
      `count by (suite) (bench_suite_runs{${sel}})`,
      exact({ edge: 6, stuck: 6 }, 'suite'),
    );
    await prom.waitForQuery(
      `count by (providerpolicy) ({${sel}, providerpolicy!=""})`,
      (samples) => Object.keys(byLabels(samples, 'providerpolicy')).sort().join() === 'flaky,tight',
    );
  });
});
