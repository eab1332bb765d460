// The example suites (examples/) run with bench-runner as they are: every run's arguments parse, and
// its dataset (a key of a mounted ConfigMap, made a file as benchctl run-local makes it) is valid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExamples } from '../../../test/support/crd-fixtures.ts';
import { localEnvironment } from '../../../operator/src/cli/job-environment.ts';
import { localMounts, localPath } from '../../../operator/src/cli/local-volumes.ts';
import { isKind, type Manifest } from '../../../operator/src/cli/manifests.ts';
import { renderSuites } from '../../../operator/src/cli/render-jobs.ts';
import { LABELS } from '../../../operator/src/core/render/labels.ts';
import { parseArguments, type BenchmarkOptions } from '../config/args.ts';
import { parseDataset } from './items.ts';
import { readDatasetSource } from './source.ts';

const manifests: Manifest[] = loadExamples().flatMap((f) =>
  f.manifests.map((object, index) => ({ file: f.file, index, object })),
);
const jobs = renderSuites(
  manifests.filter((m) => isKind(m, 'BenchmarkSuite')),
  manifests,
  { namespace: 'default', round: 1 },
).flatMap((rendered) => rendered.jobs);
// One Job per benchmark: the targets' Jobs differ in provider and model only.
const runs = [...new Map(jobs.map((job) => [jobKey(job), job])).entries()];
const dir = mkdtempSync(path.join(tmpdir(), 'examples-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function jobKey(job: (typeof jobs)[number]): string {
  const labels = job.metadata!.labels!;
  return `${labels[LABELS.suite]}/${labels[LABELS.benchmark]}`;
}

describe('the example suites', () => {
  it('exist', () => {
    expect(runs.length).toBeGreaterThanOrEqual(4);
  });

  it.each(runs)('%s: arguments and dataset are valid for bench-runner', async (name, job) => {
    const mounts = localMounts({ job, manifests, dir: path.join(dir, name), given: {}, cwd: dir });
    const { env, args } = localEnvironment({ job, manifests, apiKey: undefined, index: 0, overrides: {} });
    const options = parseArguments(
      args.map((arg) => localPath(arg, mounts)),
      () => {},
    ) as BenchmarkOptions;
    const items = parseDataset(await readDatasetSource(options.dataset, env), {
      mode: options.mode,
      defaultScorer: options.scorer,
    });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item.scorer !== undefined)).toBe(true);
  });
});
