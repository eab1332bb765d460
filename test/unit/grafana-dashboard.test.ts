// The Grafana dashboard (config/grafana): well-formed panels, every PromQL expression accepted by
// Prometheus' own parser (promtool, from hack/deps-apt.sh), and the ConfigMap the sidecar loads.
// test/e2e/prometheus.e2e.test.ts runs the same queries against a real Prometheus scraping the operator.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { dashboardQueries, readDashboard, type DashboardPanel } from '../support/dashboard.ts';
import { repoRoot } from '../support/paths.ts';

const anyValue = { job: '.*', namespace: '.*', suite: '.*', rateInterval: '1m' };

/** A Grafana value mapping: a panel's numbers shown as words and colours. */
interface ValueMappings {
  type: string;
  options: Record<string, { text: string; color: string; index: number }>;
}

/** promtool's verdict on expressions: each becomes a recording rule, which `check rules` parses. */
function promtoolCheck(queries: Array<{ name: string; expr: string }>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-'));
  const file = path.join(dir, 'queries.rules.yaml');
  const rules = queries.map((q, i) => ({ record: `dashboard_query_${i}`, expr: q.expr }));
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
  try {
    return execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const failed = `${stdout ?? ''}${stderr ?? ''}`.replace(
      /dashboard_query_(\d+)/g,
      (_, i: string) => queries[Number(i)]!.name,
    );
    throw new Error(`promtool rejects dashboard queries:\n${failed || (error as Error).message}`, {
      cause: error,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A series of input and its value, and an expected sample of the result, in PromQL's notation. */
interface Sample {
  series: string;
  value: number;
}

/**
 * Evaluates `expr` with promtool over `input` (one value each, at time 0) as a rules unit test:
 * passes when the result is exactly `expected`, else throws with what promtool got.
 */
function promtoolEvaluate(expr: string, input: Sample[], expected: Sample[]): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-'));
  const file = path.join(dir, 'query.test.yaml');
  const test = {
    interval: '1m',
    input_series: input.map(({ series, value }) => ({ series, values: String(value) })),
    promql_expr_test: [
      {
        expr,
        eval_time: '0m',
        exp_samples: expected.map(({ series, value }) => ({ labels: series, value })),
      },
    ],
  };
  writeFileSync(file, stringify({ rule_files: [], tests: [test] }));
  try {
    execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool's result differs:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Grafana dashboard', () => {
  const dashboard = readDashboard();

  it('has unique panel ids, queries on the dashboard data source, and a grid 24 columns wide', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'namespace', 'suite']);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.targets?.length, `panel "${panel.title}" has queries`).toBeGreaterThan(0);
      expect(panel.datasource?.uid, `panel "${panel.title}"`).toBe('${datasource}');
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
      expect(panel.gridPos.x + panel.gridPos.w, `panel "${panel.title}"`).toBeLessThanOrEqual(24);
    }
  });

  it('every query is valid PromQL to Prometheus itself', () => {
    const queries = dashboardQueries(anyValue);
    expect(queries.length).toBeGreaterThan(20);
    expect(promtoolCheck(queries)).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  it('the check fails on a query Prometheus cannot parse, naming the panel', () => {
    expect(() =>
      promtoolCheck([{ name: 'panel 99 "Broken"', expr: 'sum by (state (bench_suite_runs)' }]),
    ).toThrow(/panel 99 "Broken"/);
  });

  it("shows each gate's verdict in the Results row: Passed, Inconclusive, Failed in red, in the selected suites", () => {
    const results = dashboard.panels.find((p) => p.type === 'row' && p.title === 'Results')!;
    const gates = dashboard.panels.find((p) => p.title === 'Gates') as
      (DashboardPanel & { fieldConfig: { defaults: { mappings: ValueMappings[] } } }) | undefined;
    expect(gates?.type).toBe('state-timeline');
    expect(gates!.gridPos.y).toBeGreaterThan(results.gridPos.y);
    expect(gates!.fieldConfig.defaults.mappings).toEqual([
      {
        type: 'value',
        options: {
          '0': { text: 'Passed', color: 'green', index: 0 },
          '1': { text: 'Inconclusive', color: 'orange', index: 1 },
          '2': { text: 'Failed', color: 'red', index: 2 },
        },
      },
    ]);
    const [query] = dashboardQueries({ ...anyValue, namespace: 'team' }).filter((q) =>
      q.name.startsWith(`panel ${gates!.id} `),
    );
    const verdicts = (suite: string, gate: string, verdict: string, namespace = 'team') =>
      ['Passed', 'Failed', 'Inconclusive'].map((v) => ({
        series: `bench_gate_verdict{namespace="${namespace}",suite="${suite}",gate="${gate}",verdict="${v}"}`,
        value: v === verdict ? 1 : 0,
      }));
    promtoolEvaluate(
      query!.expr,
      [
        ...verdicts('nightly', 'mmlu-no-regression', 'Failed'),
        ...verdicts('nightly', 'gsm8k-threshold', 'Passed'),
        ...verdicts('weekly', 'arc', 'Inconclusive'),
        ...verdicts('nightly', 'elsewhere', 'Failed', 'other-team'),
      ],
      [
        { series: '{namespace="team",suite="nightly",gate="mmlu-no-regression"}', value: 2 },
        { series: '{namespace="team",suite="nightly",gate="gsm8k-threshold"}', value: 0 },
        { series: '{namespace="team",suite="weekly",gate="arc"}', value: 1 },
      ],
    );
    expect(() =>
      promtoolEvaluate(query!.expr, verdicts('nightly', 'g', 'Failed'), [
        { series: '{namespace="team",suite="nightly",gate="g"}', value: 0 },
      ]),
    ).toThrow(/promtool's result differs/);
  });

  it('is packaged as a ConfigMap labelled for the Grafana sidecar, holding the dashboard file', () => {
    const kustomization = parse(
      readFileSync(path.join(repoRoot, 'config/grafana/kustomization.yaml'), 'utf8'),
    ) as {
      configMapGenerator: Array<{ files: string[]; options: { labels: Record<string, string> } }>;
    };
    const [generator] = kustomization.configMapGenerator;
    expect(generator?.files).toEqual(['bench-operator.json']);
    expect(generator?.options.labels).toMatchObject({ grafana_dashboard: '1' });
  });
});
