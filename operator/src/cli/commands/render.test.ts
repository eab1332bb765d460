// benchctl render, run as a process over examples/.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { benchctl, parseJson } from '../../../../test/support/benchctl.ts';
import { examplesDir as allExamples, loadExamples } from '../../../../test/support/crd-fixtures.ts';
import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../../api/index.ts';
import { renderSuiteJobs } from '../render-jobs.ts';

// The top-level examples alone: examples/gitops is a GitOps repository of its own whose suites and
// policies have the same names, so a lookup by name over all of examples/ is rightly ambiguous.
const examplesDir = mkdtempSync(path.join(tmpdir(), 'benchctl-render-'));
for (const file of readdirSync(allExamples).filter((f) => f.endsWith('.yaml')))
  copyFileSync(path.join(allExamples, file), path.join(examplesDir, file));
afterAll(() => rmSync(examplesDir, { recursive: true, force: true }));

const objects = loadExamples().flatMap((f) => f.manifests);
const of = <T>(kind: string) => objects.filter((m) => m.kind === kind) as T[];
/** The Jobs of suite `name` as they read once printed (JSON has no undefined fields). */
const expected = (name: string, namespace: string, round = 1) => {
  const jobs = renderSuiteJobs({
    suite: of<BenchmarkSuite>('BenchmarkSuite').find((s) => s.metadata.name === name)!,
    providerPolicies: of<ProviderPolicy>('ProviderPolicy'),
    schedulePolicies: of<SchedulePolicy>('SchedulePolicy'),
    namespace,
    round,
  });
  return JSON.parse(JSON.stringify(jobs)) as typeof jobs;
};

describe('benchctl render', { timeout: 60_000 }, () => {
  it('prints the Jobs of a suite found by name as a YAML stream (exit 0)', async () => {
    const result = await benchctl(['render', 'nightly-eval', '--path', examplesDir, '-n', 'team-a']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/[&*]a\d/); // no YAML anchors: every Job reads on its own
    const jobs = parseAllDocuments(result.stdout).map((d) => d.toJS() as unknown);
    expect(jobs).toEqual(expected('nightly-eval', 'team-a'));
  });

  it('prints a v1 List with -o json, from a suite’s file and --policies, for another round', async () => {
    const file = path.join(examplesDir, '30-benchmarksuite-smoke.yaml');
    const result = await benchctl(['render', file, '--policies', examplesDir, '--round', '4', '-o', 'json']);
    expect(result.code).toBe(0);
    const list = parseJson<{ apiVersion: string; kind: string; items: unknown[] }>(result);
    expect(list).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: expected('smoke', 'default', 4),
    });
  });

  it('stamps --revision on the Jobs and their pods', async () => {
    const result = await benchctl([
      'render',
      'smoke',
      '--path',
      examplesDir,
      '--revision',
      'main@sha1:0123abc',
      '-o',
      'json',
    ]);
    const { items } = parseJson<{
      items: Array<{
        metadata: { annotations: Record<string, string> };
        spec: { template: { metadata: { annotations: Record<string, string> } } };
      }>;
    }>(result);
    for (const job of items) {
      expect(job.metadata.annotations['bench.dev/source-revision']).toBe('main@sha1:0123abc');
      expect(job.spec.template.metadata.annotations['bench.dev/source-revision']).toBe('main@sha1:0123abc');
    }
  });

  it('is a finding (exit 1) when the suite or a policy it uses is not there', async () => {
    const file = path.join(examplesDir, '30-benchmarksuite-smoke.yaml');
    const noPolicies = await benchctl(['render', file]);
    expect(noPolicies).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: BenchmarkSuite smoke uses SchedulePolicy adhoc-cpu, which is not given\n',
    });
    const unknown = await benchctl(['render', 'nope', '--path', examplesDir]);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: `error: no BenchmarkSuite named nope in ${examplesDir}\n`,
    });
  });

  it('is a usage error (exit 2) to give a round that is not a whole number from 1', async () => {
    const result = await benchctl(['render', 'smoke', '--path', examplesDir, '--round', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "option '--round <n>' argument '0' is invalid. must be a whole number from 1",
    );
  });
});
