// The alerting rules exist twice: a plain rules file and a PrometheusRule for the Prometheus
// Operator. promtool checks and tests the plain file (make test-rules); this keeps the other equal.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../support/paths.ts';

const read = (file: string): unknown =>
  parse(readFileSync(path.join(repoRoot, 'config/prometheus', file), 'utf8'));

describe('alerting rules', () => {
  it('the PrometheusRule holds exactly the groups of the plain rules file', () => {
    const plain = read('alerts.rules.yaml') as { groups: unknown[] };
    const manifest = read('prometheusrule.yaml') as { kind: string; spec: { groups: unknown[] } };
    expect(manifest.kind).toBe('PrometheusRule');
    expect(manifest.spec.groups).toEqual(plain.groups);
  });

  it('the PrometheusRule is part of config/prometheus, next to the ServiceMonitor', () => {
    const kustomization = read('kustomization.yaml') as { resources: string[] };
    expect(kustomization.resources).toEqual(expect.arrayContaining(['monitor.yaml', 'prometheusrule.yaml']));
  });
});
