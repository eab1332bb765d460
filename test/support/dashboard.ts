import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

export const dashboardFile = path.join(repoRoot, 'config/grafana/bench-operator.json');

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: Array<{ name: string; type: string }> };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;
}

/** The values Grafana would put in for the dashboard's variables. */
export interface VariableValues {
  job: string;
  namespace: string;
  suite: string;
  /** Grafana's $__rate_interval. */
  rateInterval: string;
}

/** Every query of the dashboard, named by panel and refId, with the variables put in. */
export function dashboardQueries(values: VariableValues): Array<{ name: string; expr: string }> {
  const substitute = (expr: string) =>
    expr
      .replaceAll('$__rate_interval', values.rateInterval)
      .replaceAll('$job', values.job)
      .replaceAll('$namespace', values.namespace)
      .replaceAll('$suite', values.suite);
  return readDashboard().panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      name: `panel ${panel.id} "${panel.title}" query ${target.refId}`,
      expr: substitute(target.expr),
    })),
  );
}

const OPERATOR_METRIC = /\b(?:bench|controller_runtime|workqueue|rest_client|leader_election)_[a-z0-9_]+/g;

/** The operator's metric names an expression reads (series names: a histogram's _bucket, _count, _sum). */
export function operatorMetricNames(expr: string): string[] {
  return [...new Set(expr.match(OPERATOR_METRIC) ?? [])];
}
