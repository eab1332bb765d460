// The Argo CD health checks of config/argocd/health, run with lua5.1 (`make tools`) over objects
// captured from the real operator (test/fixtures/argocd-health, written by
// test/e2e/argocd-health.e2e.test.ts), so the mapping is covered without a cluster.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  evaluateHealth,
  healthCheckedKinds,
  healthKey,
  healthScriptPath,
  readHealthFixtures,
  type HealthCheckedKind,
} from '../support/argocd-health.ts';
import { repoRoot } from '../support/paths.ts';

const script = (kind: HealthCheckedKind) => readFileSync(healthScriptPath(kind), 'utf8');

describe('Argo CD health checks', () => {
  for (const kind of healthCheckedKinds) {
    describe(kind, () => {
      it.each(readHealthFixtures(kind).map((test) => [test.inputPath, test] as const))(
        '%s',
        async (_, test) => {
          expect(await evaluateHealth(script(kind), test.object)).toEqual(test.healthStatus);
        },
      );
    });
  }

  it('are covered in every health status a kind can have', () => {
    const statuses = (kind: HealthCheckedKind) =>
      new Set(readHealthFixtures(kind).map((test) => test.healthStatus.status));
    expect(statuses('BenchmarkSuite')).toEqual(new Set(['Progressing', 'Healthy', 'Suspended', 'Degraded']));
    expect(statuses('ProviderPolicy')).toEqual(new Set(['Progressing', 'Healthy', 'Degraded']));
    expect(statuses('SchedulePolicy')).toEqual(new Set(['Progressing', 'Healthy', 'Degraded']));
  });

  it('share one kstatus section, word for word (Argo CD gives each check its own sandbox)', () => {
    const section = (kind: HealthCheckedKind) => {
      const match = /-- BEGIN kstatus[^\n]*\n[\s\S]*?-- END kstatus\n/.exec(script(kind));
      expect(match, `the kstatus section of ${kind}.lua`).not.toBeNull();
      return match![0];
    };
    for (const kind of healthCheckedKinds) expect(section(kind)).toBe(section('BenchmarkSuite'));
  });

  it('are what the kustomize Component puts into argocd-cm, one key per kind', () => {
    const component = parse(
      readFileSync(path.join(repoRoot, 'config/argocd/health/kustomization.yaml'), 'utf8'),
    ) as { configMapGenerator: Array<{ name: string; behavior: string; files: string[] }> };
    expect(component.configMapGenerator).toHaveLength(1);
    expect(component.configMapGenerator[0]).toMatchObject({ name: 'argocd-cm', behavior: 'merge' });
    expect(component.configMapGenerator[0]!.files).toEqual(
      healthCheckedKinds.map((kind) => `${healthKey(kind)}=${path.basename(healthScriptPath(kind))}`),
    );
    for (const kind of healthCheckedKinds) expect(existsSync(healthScriptPath(kind))).toBe(true);
  });

  it('fail loudly on a check Argo CD would not run: string methods, no valid status, a Lua error', async () => {
    await expect(evaluateHealth('return {status = ("x"):upper()}', {})).rejects.toThrow(/attempt to index/);
    await expect(evaluateHealth('return {status = string.lower("Healthy")}', {})).rejects.toThrow(
      /global 'string'/,
    );
    await expect(evaluateHealth('return {status = "Fine"}', {})).rejects.toThrow(/no valid health status/);
    await expect(evaluateHealth('error("boom")', {})).rejects.toThrow(/boom/);
  });

  it('get the object as Argo CD passes it to Lua: nested tables, numbers, booleans, escaped strings', async () => {
    const object = {
      metadata: { name: 'a "quoted"\\ name\nwith ünïcode', generation: 3 },
      spec: { suspend: true, list: ['x', 'y'] },
    };
    const echo =
      'return {status = "Healthy", message = obj.metadata.name .. "|" .. obj.metadata.generation .. "|" .. tostring(obj.spec.suspend) .. "|" .. obj.spec.list[2] .. "|" .. tostring(obj.status)}';
    expect(await evaluateHealth(echo, object)).toEqual({
      status: 'Healthy',
      message: `${object.metadata.name}|3|true|y|nil`,
    });
  });
});
