import { describe, expect, it } from 'vitest';
import {
  applicationRevision,
  argoApplicationOf,
  fluxKustomizationOf,
  kustomizationRevision,
} from './managed-revision.ts';
import { sourceRevisionOf } from './revision.ts';
import { roundState } from './round-state.ts';

const suite = (metadata: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  namespace?: string;
  name?: string;
}) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { namespace: 'evals', name: 'nightly', ...metadata },
});

describe('the GitOps object managing a suite', () => {
  it('is the Kustomization named by kustomize-controller labels', () => {
    expect(
      fluxKustomizationOf(
        suite({
          labels: {
            'kustomize.toolkit.fluxcd.io/name': 'benchmarks',
            'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
          },
        }),
      ),
    ).toEqual({ namespace: 'flux-system', name: 'benchmarks' });
    expect(
      fluxKustomizationOf(suite({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'x' } })),
    ).toBeUndefined();
    expect(fluxKustomizationOf(suite({}))).toBeUndefined();
  });

  it('is the Application of an Argo CD tracking id naming the suite itself, in Argo CD namespace or its own', () => {
    const tracked = (id: string) => suite({ annotations: { 'argocd.argoproj.io/tracking-id': id } });
    expect(argoApplicationOf(tracked('benchmarks:bench.dev/BenchmarkSuite:evals/nightly'), 'argocd')).toEqual(
      {
        namespace: 'argocd',
        name: 'benchmarks',
      },
    );
    expect(
      argoApplicationOf(tracked('team-a_benchmarks:bench.dev/BenchmarkSuite:evals/nightly'), 'argocd'),
    ).toEqual({ namespace: 'team-a', name: 'benchmarks' });
    // Copied from another object (e.g. by a kustomize component): not this suite's manager.
    expect(
      argoApplicationOf(tracked('benchmarks:bench.dev/BenchmarkSuite:evals/other'), 'argocd'),
    ).toBeUndefined();
    expect(argoApplicationOf(tracked('benchmarks:apps/Deployment:evals/nightly'), 'argocd')).toBeUndefined();
    expect(argoApplicationOf(tracked('not a tracking id'), 'argocd')).toBeUndefined();
  });

  it('is the Application of the label tracking method when there is no tracking id', () => {
    expect(
      argoApplicationOf(suite({ labels: { 'app.kubernetes.io/instance': 'benchmarks' } }), 'gitops'),
    ).toEqual({
      namespace: 'gitops',
      name: 'benchmarks',
    });
    expect(argoApplicationOf(suite({}), 'argocd')).toBeUndefined();
  });
});

describe('the revision of a managing object', () => {
  const ready = [{ type: 'Ready', status: 'True' }];
  const reconciling = [
    { type: 'Reconciling', status: 'True' },
    { type: 'Ready', status: 'Unknown' },
  ];

  it('is the Kustomization applied revision, or the attempted one while it applies', () => {
    const status = { lastAppliedRevision: 'main@sha1:aaa', lastAttemptedRevision: 'main@sha1:bbb' };
    expect(kustomizationRevision({ status: { ...status, conditions: ready } })).toBe('main@sha1:aaa');
    expect(kustomizationRevision({ status: { ...status, conditions: reconciling } })).toBe('main@sha1:bbb');
    expect(
      kustomizationRevision({ status: { conditions: reconciling, lastAppliedRevision: 'main@sha1:aaa' } }),
    ).toBe('main@sha1:aaa');
    expect(kustomizationRevision({})).toBeUndefined();
  });

  it('is the Application sync revision, or the revision of a running sync operation', () => {
    expect(applicationRevision({ status: { sync: { revision: 'aaa' } } })).toBe('aaa');
    expect(
      applicationRevision({
        status: {
          sync: { revision: 'aaa' },
          operationState: { phase: 'Running', operation: { sync: { revision: 'bbb' } } },
        },
      }),
    ).toBe('bbb');
    expect(
      applicationRevision({
        status: {
          sync: { revision: 'aaa' },
          operationState: { phase: 'Succeeded', operation: { sync: { revision: 'old' } } },
        },
      }),
    ).toBe('aaa');
    // Several sources: no revision says which one holds the suite.
    expect(applicationRevision({ status: { sync: { revisions: ['aaa', 'bbb'] } } })).toBeUndefined();
    expect(applicationRevision({ status: { sync: { revisions: ['aaa'] } } })).toBe('aaa');
    expect(applicationRevision({})).toBeUndefined();
  });
});

describe('a suite revision', () => {
  it('is the annotation when present, else the managing object revision', () => {
    const annotated = suite({ annotations: { 'bench.dev/source-revision': ' v1@sha1:abc ' } });
    expect(sourceRevisionOf(annotated, 'main@sha1:def')).toBe('v1@sha1:abc');
    expect(sourceRevisionOf(suite({}), 'main@sha1:def')).toBe('main@sha1:def');
    expect(sourceRevisionOf(suite({ annotations: { 'bench.dev/source-revision': ' ' } }), 'x')).toBe('x');
    expect(sourceRevisionOf(suite({}))).toBeUndefined();
    expect(sourceRevisionOf(suite({}), 'r'.repeat(300))).toHaveLength(256);
  });

  it('of a round starting now is the managing object revision; a started round keeps its own', () => {
    const created = { ...suite({}), metadata: { ...suite({}).metadata, generation: 1 }, spec: {} };
    expect(roundState(created as never, [], undefined, 'main@sha1:def')).toMatchObject({
      startNew: true,
      revision: 'main@sha1:def',
    });
    const running = {
      ...created,
      status: { round: 1, roundGeneration: 1, sourceRevision: 'main@sha1:abc' },
    };
    expect(roundState(running as never, [], undefined, 'main@sha1:def')).toMatchObject({
      startNew: false,
      revision: 'main@sha1:abc',
    });
  });
});
