// examples/gitops, the GitOps repository layout of docs/gitops.md: both overlays build with the
// pinned kubectl's kustomize into what they promise, the API server accepts every object they
// make (dry-run), and the Argo CD Applications and Flux objects point at them with the revision
// wired (the Flux objects checked against Flux's own CRDs, too).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { dryRun } from '../support/dry-run.ts';
import { installFluxCrds } from '../support/flux.ts';
import { kubectl } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';

const namespace = useNamespace('gitops-ex');
const layout = path.join(repoRoot, 'examples/gitops');

interface KubeDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown> & {
    maxConcurrentRuns?: number;
    budget?: { limit: string };
    benchmarks?: Array<{ args?: string[] }>;
  };
}

const documents = (yaml: string): KubeDocument[] =>
  parseAllDocuments(yaml).map((document) => document.toJS() as KubeDocument);
const fileDocuments = (file: string) => documents(readFileSync(path.join(layout, file), 'utf8'));
const byKindAndName = (docs: KubeDocument[]) => new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));

async function build(overlay: string): Promise<KubeDocument[]> {
  const { stdout } = await kubectl(['kustomize', path.join(layout, 'overlays', overlay)]);
  return documents(stdout);
}

/** The API server's verdict on an object, placed in the test's namespace instead of its own. */
async function expectAccepted(document: KubeDocument): Promise<void> {
  const { namespace: _own, ...metadata } = document.metadata;
  const answer = await dryRun(stringify({ ...document, metadata }), namespace());
  expect({ object: `${document.kind}/${document.metadata.name}`, stderr: answer.stderr }).toEqual({
    object: `${document.kind}/${document.metadata.name}`,
    stderr: '',
  });
}

const OVERLAYS = {
  staging: [
    'BenchmarkSuite/smoke',
    'ConfigMap/bench-datasets',
    'Namespace/bench-staging',
    'ProviderPolicy/openai',
    'SchedulePolicy/adhoc',
  ],
  production: [
    'BenchmarkSuite/nightly-eval',
    'BenchmarkSuite/smoke',
    'ConfigMap/bench-datasets',
    'Namespace/bench-production',
    'ProviderPolicy/openai',
    'SchedulePolicy/adhoc',
    'SchedulePolicy/nightly',
  ],
} as const;

describe('the overlays', () => {
  for (const [overlay, objects] of Object.entries(OVERLAYS)) {
    it(`overlays/${overlay} builds its objects into bench-${overlay}, and the API server accepts them`, async () => {
      const built = await build(overlay);
      expect([...byKindAndName(built).keys()].sort()).toEqual(objects);
      for (const document of built.filter((d) => d.kind !== 'Namespace')) {
        expect(document.metadata.namespace).toBe(`bench-${overlay}`);
        expect(document.metadata.labels?.['bench.dev/environment']).toBe(overlay);
        await expectAccepted(document);
      }
    });
  }

  it('each overlay’s patches reach their targets', async () => {
    const staging = byKindAndName(await build('staging'));
    const production = byKindAndName(await build('production'));
    expect(staging.get('ProviderPolicy/openai')!.spec!.budget!.limit).toBe('10');
    expect(staging.get('BenchmarkSuite/smoke')!.spec!.benchmarks![0]!.args).toContain('--max-items=3');
    expect(production.get('ProviderPolicy/openai')!.spec).toMatchObject({
      maxConcurrentRuns: 8,
      budget: { limit: '500' },
    });
  });
});

describe('the GitOps tools’ objects', () => {
  it('each Argo CD Application syncs an overlay into its namespace, stamping the revision', () => {
    const applications = fileDocuments('argocd/applications.yaml');
    expect(applications.map((a) => a.metadata.name)).toEqual(['bench-staging', 'bench-production']);
    for (const application of applications) {
      const spec = application.spec as {
        source: {
          path: string;
          kustomize: { commonAnnotations: Record<string, string>; commonAnnotationsEnvsubst: boolean };
        };
        destination: { namespace: string };
      };
      const overlay = application.metadata.name.replace(/^bench-/, '');
      expect(spec.source.path).toBe(`overlays/${overlay}`);
      expect(statSync(path.join(layout, spec.source.path, 'kustomization.yaml')).isFile()).toBe(true);
      expect(spec.destination.namespace).toBe(`bench-${overlay}`);
      expect(spec.source.kustomize).toEqual({
        commonAnnotations: { 'bench.dev/source-revision': '${ARGOCD_APP_REVISION}' },
        commonAnnotationsEnvsubst: true,
      });
    }
  });

  describe('Flux', () => {
    beforeAll(async () => {
      await installFluxCrds();
    });

    it('each Kustomization applies an overlay from the GitRepository and waits for it; Flux’s CRDs accept them', async () => {
      const [repository] = fileDocuments('flux/gitrepository.yaml');
      const kustomizations = fileDocuments('flux/kustomizations.yaml');
      expect(kustomizations.map((k) => k.metadata.name)).toEqual(['bench-staging', 'bench-production']);
      for (const kustomization of kustomizations) {
        const overlay = kustomization.metadata.name.replace(/^bench-/, '');
        expect(kustomization.spec).toMatchObject({
          sourceRef: { kind: 'GitRepository', name: repository!.metadata.name },
          path: `./overlays/${overlay}`,
          wait: true,
        });
        expect(statSync(path.join(layout, `overlays/${overlay}/kustomization.yaml`)).isFile()).toBe(true);
        await expectAccepted(kustomization);
      }
      await expectAccepted(repository!);
    });
  });
});
