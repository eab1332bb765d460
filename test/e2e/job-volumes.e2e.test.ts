// The Jobs of suites with volumes (the examples, which mount their datasets ConfigMap, and the
// fixture with every volume source) on a real kube-apiserver: accepted as the operator renders
// them, and within the restricted Pod Security profile, which the namespace warns about.
import type { V1Job } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isKind, type Manifest } from '../../operator/src/cli/manifests.ts';
import { renderSuites } from '../../operator/src/cli/render-jobs.ts';
import { loadExamples, loadValidFixtures } from '../support/crd-fixtures.ts';
import { dryRun } from '../support/dry-run.ts';
import { kubectl } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';

const namespace = useNamespace('job-volumes');

const manifests: Manifest[] = [
  ...loadExamples(),
  ...loadValidFixtures().filter((f) => f.file.endsWith('/bs-volumes.yaml')),
].flatMap((f) => f.manifests.map((object, index) => ({ file: f.file, index, object })));
const suites = manifests.filter(
  (m) =>
    isKind(m, 'BenchmarkSuite') &&
    ((m.object.spec as { runner: { volumes?: unknown[] } }).runner.volumes?.length ?? 0) > 0,
);
// Rendered offline, a Job's owner (the suite) has no uid: the owner is not what is tried here.
const jobsIn = (ns: string): V1Job[] =>
  renderSuites(suites, manifests, { namespace: ns, round: 1 }).flatMap((rendered) =>
    rendered.jobs.map((job) => ({ ...job, metadata: { ...job.metadata, ownerReferences: [] } })),
  );

beforeAll(async () => {
  // PodSecurity admission warns about Jobs whose pod template the profile would refuse.
  await kubectl(['label', 'namespace', namespace(), 'pod-security.kubernetes.io/warn=restricted']);
});

describe('Jobs with volumes', { timeout: 120_000 }, () => {
  it('are rendered for the example suites and the volumes fixture', () => {
    const names = new Set(suites.map((m) => (m.object.metadata as { name: string }).name));
    expect(names).toEqual(new Set(['smoke', 'nightly-eval', 'volumes']));
  });

  it('are accepted by the API server as rendered, with no PodSecurity warning', async () => {
    const jobs = jobsIn(namespace());
    expect(jobs.length).toBeGreaterThanOrEqual(8);
    for (const job of jobs) {
      const answer = await dryRun(stringify(job), namespace());
      expect({ job: job.metadata!.name, ...answer }).toMatchObject({ code: 0, stderr: '' });
      expect(job.spec!.template.spec!.volumes!.map((v) => v.name)).toContain('tmp');
    }
  });

  it('would draw the restricted profile’s warning with a hostPath volume (which the CRD rejects)', async () => {
    const [job] = jobsIn(namespace());
    job!.spec!.template.spec!.volumes!.push({ name: 'host', hostPath: { path: '/srv' } });
    const answer = await dryRun(stringify(job), namespace());
    expect(answer.code).toBe(0);
    expect(answer.stderr).toMatch(
      /would violate PodSecurity "restricted:latest": restricted volume types \(volume "host" uses restricted volume type "hostPath"\)/,
    );
  });
});
