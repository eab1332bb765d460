// The Grafana dashboard (config/grafana): well-formed panels, every PromQL expression accepted by
// Prometheus' own parser (promtool, from hack/deps-apt.sh), and the ConfigMap the sidecar loads.
// test/e2e/prometheus.e2e.test.ts runs the same queries against a real Prometheus scraping the operator.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { dashboardQueries, readDashboard } from '../support/dashboard.ts';
import { repoRoot } from '../support/paths.ts';

const anyValue = { job: '.*', namespace: '.*', suite: '.*', rateInterval: '1m' };

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
