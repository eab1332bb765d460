// The Flux healthCheckExprs documented in docs/gitops.md, evaluated (with @bufbuild/cel) over the
// objects captured from the operator (test/fixtures/argocd-health) in the order kustomize-controller
// evaluates them (fluxcd/pkg runtime/cel StatusEvaluator: the observedGeneration check, then
// inProgress, failed, current; none true is InProgress). They must agree with the Argo CD checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isCelError, run, type CelInput } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { healthCheckedKinds, readHealthFixtures } from '../support/argocd-health.ts';
import { repoRoot } from '../support/paths.ts';

interface HealthCheckExpr {
  apiVersion: string;
  kind: string;
  inProgress?: string;
  failed?: string;
  current: string;
}

/** The healthCheckExprs of the Kustomization in the section "Health in Argo CD and Flux". */
function documentedExprs(): HealthCheckExpr[] {
  const doc = readFileSync(path.join(repoRoot, 'docs/gitops.md'), 'utf8');
  const section = /^## Health in Argo CD and Flux\n[\s\S]*?(?=^## |(?![\s\S]))/m.exec(doc)?.[0] ?? '';
  const block = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((yaml) => yaml.includes('healthCheckExprs:'));
  expect(block, 'a yaml block with healthCheckExprs in the section').toBeDefined();
  return (parse(block!) as { spec: { healthCheckExprs: HealthCheckExpr[] } }).spec.healthCheckExprs;
}

interface FluxObject {
  metadata?: { generation?: number };
  status?: { observedGeneration?: number };
}

function fluxStatus(exprs: HealthCheckExpr, object: FluxObject): string {
  const observed = object.status?.observedGeneration;
  if (observed !== undefined && observed !== object.metadata?.generation) return 'InProgress';
  for (const [expr, status] of [
    [exprs.inProgress, 'InProgress'],
    [exprs.failed, 'Failed'],
    [exprs.current, 'Current'],
  ] as const) {
    if (expr === undefined) continue;
    const result = run(expr, object as Record<string, CelInput>);
    if (isCelError(result)) throw new Error(`${expr}: ${result.message}`);
    if (typeof result !== 'boolean') throw new Error(`${expr} is not a boolean: ${String(result)}`);
    if (result) return status;
  }
  return 'InProgress';
}

/** Flux has no Suspended: a suspended suite is done with. */
const fluxFor: Record<string, string> = {
  Healthy: 'Current',
  Suspended: 'Current',
  Progressing: 'InProgress',
  Degraded: 'Failed',
};

describe('Flux healthCheckExprs of docs/gitops.md', () => {
  const exprs = documentedExprs();

  it('name the three kinds of bench.dev, each with inProgress, failed and current', () => {
    expect(exprs.map((e) => [e.apiVersion, e.kind])).toEqual(
      healthCheckedKinds.map((kind) => ['bench.dev/v1alpha1', kind]),
    );
    for (const e of exprs)
      expect(Object.keys(e).sort()).toEqual(['apiVersion', 'current', 'failed', 'inProgress', 'kind']);
  });

  for (const kind of healthCheckedKinds) {
    it.each(readHealthFixtures(kind).map((test) => [`${kind} ${test.inputPath}`, test] as const))(
      'agree with the Argo CD check on %s',
      (_, test) => {
        const kindExprs = exprs.find((e) => e.kind === kind)!;
        expect(fluxStatus(kindExprs, test.object as FluxObject)).toBe(fluxFor[test.healthStatus.status]);
      },
    );
  }
});
