// benchctl suspend / resume / rerun --git: the manifest in the working copy, changed and committed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchctl, parseJson } from '../../../test/support/benchctl.ts';
import { createRepo, type TempRepo } from '../../../test/support/git-repo.ts';

const SUITE = `apiVersion: bench.dev/v1alpha1
kind: BenchmarkSuite
metadata:
  name: smoke  # the smoke test
spec:
  runner: {image: runner:1}
  targets: [{name: gpt, providerRef: openai, model: gpt-4o}]
  benchmarks: [{name: hello}]
`;

let repo: TempRepo;
const manifest = () => readFileSync(path.join(repo.dir, 'smoke.yaml'), 'utf8');
const lastCommit = async () => (await repo.git.log({ maxCount: 1 })).latest!;

beforeAll(async () => {
  repo = await createRepo();
  repo.write('smoke.yaml', SUITE);
  await repo.commit('smoke');
});
afterAll(() => repo.remove());

describe('benchctl suspend, resume and rerun with --git', { timeout: 60_000 }, () => {
  it('suspend sets spec.suspend and commits; again, nothing changes', async () => {
    const result = await benchctl(['suspend', 'smoke', '--git', '-o', 'json'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    const commit = await lastCommit();
    expect(parseJson(result)).toEqual({
      suite: 'smoke',
      where: 'git',
      file: 'smoke.yaml',
      changed: true,
      commit: commit.hash,
      fields: { 'spec.suspend': true },
    });
    expect(commit.message).toBe('Suspend BenchmarkSuite smoke');
    // Only the suite's document is written again (a comment's spacing is YAML's own).
    expect(manifest()).toBe(`${SUITE.replace('smoke  #', 'smoke #')}  suspend: true\n`);
    const again = await benchctl(['suspend', 'smoke', '--git'], { cwd: repo.dir });
    expect(again).toEqual({
      code: 0,
      stdout: 'BenchmarkSuite smoke already has spec.suspend=true (smoke.yaml): nothing changed\n',
      stderr: '',
    });
    expect((await lastCommit()).hash).toBe(commit.hash);
  });

  it('resume sets spec.suspend false and commits', async () => {
    const result = await benchctl(['resume', 'smoke', '--git'], { cwd: repo.dir });
    const commit = await lastCommit();
    expect(result).toEqual({
      code: 0,
      stdout: `✓ BenchmarkSuite smoke: spec.suspend=false (smoke.yaml, commit ${commit.hash.slice(0, 12)})\n`,
      stderr: '',
    });
    expect(commit.message).toBe('Resume BenchmarkSuite smoke');
    expect(manifest()).toContain('  suspend: false\n');
    expect(manifest()).toContain('name: smoke # the smoke test');
  });

  it('rerun sets bench.dev/requested-at to now, quoted, and commits', async () => {
    const before = Date.now();
    const result = await benchctl(['rerun', 'smoke', '--git', '-o', 'json'], { cwd: repo.dir });
    const { fields } = parseJson<{ fields: Record<string, string> }>(result);
    const requestedAt = fields['metadata.annotations.bench.dev/requested-at']!;
    expect(Date.parse(requestedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(manifest()).toContain(`  annotations:\n    bench.dev/requested-at: "${requestedAt}"\n`);
    expect((await lastCommit()).message).toBe('Re-run BenchmarkSuite smoke');
  });

  it('is a finding (exit 1) when no tracked file defines the suite', async () => {
    const result = await benchctl(['suspend', 'other', '--git'], { cwd: repo.dir });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: no BenchmarkSuite named other in the files tracked under .\n',
    });
  });
});
