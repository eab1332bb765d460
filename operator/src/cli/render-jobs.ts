// The Jobs the operator would create for a suite's round, from manifests alone: the operator's own
// renderJob over the objects as the API server would store them (CRD defaults applied), for every
// run on its target's provider at attempt 1. What cannot be known offline stays out: the suite's
// uid (the ownerReference has none), a failover provider, a later attempt.
import type { V1Job } from '@kubernetes/client-node';
import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../api/index.ts';
import { renderJob } from '../core/render/job.ts';
import { sourceRevisionOf } from '../core/suite/revision.ts';
import { applyDefaults, validateManifest } from '../validation/validate.ts';
import { isKind, type Manifest } from './manifests.ts';

export interface SuiteRenderInput {
  suite: BenchmarkSuite;
  providerPolicies: ProviderPolicy[];
  schedulePolicies: SchedulePolicy[];
  /** The namespace when the suite's manifest names none. */
  namespace: string;
  round: number;
  /** The revision the Jobs carry; default: the suite's bench.dev/source-revision, as the operator takes it. */
  sourceRevision?: string | undefined;
}

/** Manifests the operator would never see: a reference they do not resolve, or one the API server rejects. */
export class RenderError extends Error {}

/** The object as given, when the API server would accept it. */
function valid<T extends { kind?: string; metadata?: { name?: string } }>(object: T): T {
  const { errors } = validateManifest(object);
  if (errors.length > 0) {
    const what = `${object.kind} ${object.metadata?.name}`;
    throw new RenderError(
      `the API server would reject ${what}:\n  ${errors.map((e) => e.message).join('\n  ')}`,
    );
  }
  return object;
}

/** The one object of this name in the namespace; more than one is a mistake in the manifests given. */
function named<T extends { kind?: string; metadata?: { name?: string; namespace?: string } }>(
  objects: T[],
  name: string,
  namespace: string,
): T | undefined {
  const found = objects.filter(
    (o) => o.metadata?.name === name && (o.metadata?.namespace ?? namespace) === namespace,
  );
  if (found.length > 1) throw new RenderError(`${found[0]!.kind} ${name} is given more than once`);
  return found[0];
}

export function renderSuiteJobs(input: SuiteRenderInput): V1Job[] {
  const namespace = input.suite.metadata?.namespace ?? input.namespace;
  // As created: generation 1 unless the manifest says otherwise, no status.
  const suite = applyDefaults({
    ...valid(input.suite),
    metadata: { generation: 1, ...input.suite.metadata, namespace },
    status: undefined,
  });
  const suiteName = suite.metadata.name!;
  const policyName = suite.spec.schedulePolicyRef;
  const schedulePolicy = policyName ? named(input.schedulePolicies, policyName, namespace) : undefined;
  if (policyName && !schedulePolicy) {
    throw new RenderError(
      `BenchmarkSuite ${suiteName} uses SchedulePolicy ${policyName}, which is not given`,
    );
  }
  const providers = new Map<string, ProviderPolicy>();
  const providerOf = (name: string): ProviderPolicy => {
    let provider = providers.get(name);
    if (!provider) {
      const found = named(input.providerPolicies, name, namespace);
      if (!found)
        throw new RenderError(`BenchmarkSuite ${suiteName} uses ProviderPolicy ${name}, which is not given`);
      provider = applyDefaults({ ...valid(found), metadata: { ...found.metadata, namespace } });
      providers.set(name, provider);
    }
    return provider;
  };
  return suite.spec.benchmarks.flatMap((benchmark) =>
    suite.spec.targets.map((target) =>
      renderJob({
        suite,
        round: input.round,
        benchmark,
        target,
        attempt: 1,
        provider: providerOf(target.providerRef),
        model: target.model,
        schedulePolicy: schedulePolicy && applyDefaults(valid(schedulePolicy)),
        sourceRevision: input.sourceRevision ?? sourceRevisionOf(suite),
        judge: benchmark.judge && {
          spec: benchmark.judge,
          provider: providerOf(benchmark.judge.providerRef),
        },
      }),
    ),
  );
}

export interface RenderedSuite {
  suite: BenchmarkSuite;
  file: string;
  jobs: V1Job[];
}

export interface RenderOptions {
  namespace: string;
  round: number;
  sourceRevision?: string | undefined;
}

/** The Jobs of the given suites, with the policies found among the manifests. */
export function renderSuites(
  suites: Manifest[],
  manifests: Manifest[],
  options: RenderOptions,
): RenderedSuite[] {
  const of = <T>(kind: string) => manifests.filter((m) => isKind(m, kind)).map((m) => m.object as T);
  const providerPolicies = of<ProviderPolicy>('ProviderPolicy');
  const schedulePolicies = of<SchedulePolicy>('SchedulePolicy');
  return suites.map((m) => {
    const suite = m.object as unknown as BenchmarkSuite;
    const jobs = renderSuiteJobs({ suite, providerPolicies, schedulePolicies, ...options });
    return { suite, file: m.file, jobs };
  });
}
