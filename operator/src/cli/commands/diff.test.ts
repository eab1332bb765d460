// benchctl diff between revisions of a temporary Git repository holding examples/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchctl, parseJson } from '../../../../test/support/benchctl.ts';
import { examplesDir } from '../../../../test/support/crd-fixtures.ts';
import { createRepo, type TempRepo } from '../../../../test/support/git-repo.ts';

interface DiffReport {
  from: { rev: string; commit: string };
  to: { rev: string; commit: string };
  changes: Array<{ job: string; namespace: string; suite: string; change: string; diff: string }>;
}

const SUITE = '30-benchmarksuite-smoke.yaml';
const original = readFileSync(path.join(examplesDir, SUITE), 'utf8');
let repo: TempRepo;
let first: string;
let second: string;

beforeAll(async () => {
  repo = await createRepo();
  for (const file of [
    '10-providerpolicy-openai.yaml',
    '11-providerpolicy-anthropic.yaml',
    '21-schedulepolicy-adhoc-cpu.yaml',
    SUITE,
  ]) {
    repo.write(`gitops/${file}`, readFileSync(path.join(examplesDir, file), 'utf8'));
  }
  repo.write('README.md', 'a GitOps repository\n');
  first = await repo.commit('smoke suite');
  // A longer timeout for every Job, one target replaced by another.
  repo.write(
    `gitops/${SUITE}`,
    original
      .replace('timeout: 5m', 'timeout: 10m')
      .replace(
        /- name: claude-haiku\n {6}providerRef: anthropic/,
        '- name: claude-sonnet\n      providerRef: anthropic',
      ),
  );
  second = await repo.commit('smoke: longer timeout, sonnet instead of haiku');
});
afterAll(() => repo.remove());

describe('benchctl diff', { timeout: 60_000 }, () => {
  it('lists the changed, added and removed Jobs with a unified diff each (exit 1: there are changes)', async () => {
    const result = await benchctl(['diff', '--from', first, '--to', second, '-o', 'json', 'gitops'], {
      cwd: repo.dir,
    });
    expect(result.code).toBe(1);
    const report = parseJson<DiffReport>(result);
    expect(report.from).toEqual({ rev: first, commit: first });
    expect(report.to).toEqual({ rev: second, commit: second });
    expect(report.changes.map((c) => [c.job, c.change])).toEqual([
      ['smoke-1-hello-claude-haiku', 'removed'],
      ['smoke-1-hello-claude-sonnet', 'added'],
      ['smoke-1-hello-gpt-4o-mini', 'changed'],
    ]);
    const changed = report.changes.find((c) => c.change === 'changed')!;
    expect(changed).toMatchObject({ namespace: 'default', suite: 'smoke' });
    expect(changed.diff).toContain('-  activeDeadlineSeconds: 300\n+  activeDeadlineSeconds: 600\n');
    expect(changed.diff).toContain(`--- ${first}/default/smoke-1-hello-gpt-4o-mini`);
    const added = report.changes.find((c) => c.change === 'added')!;
    expect(added.diff).toContain('--- /dev/null');
    expect(added.diff).toContain('+  name: smoke-1-hello-claude-sonnet');
  });

  it('prints the diffs for people, then a count; --to defaults to HEAD and revisions may be names', async () => {
    const result = await benchctl(['diff', '--from', 'HEAD~1', 'gitops'], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('+++ HEAD/default/smoke-1-hello-gpt-4o-mini');
    expect(result.stdout).toContain('+  activeDeadlineSeconds: 600\n');
    expect(result.stdout.endsWith('1 Jobs changed, 1 added, 1 removed\n')).toBe(true);
    expect(result.stdout).not.toContain('\u001b['); // not a terminal: no colors
  });

  it('says so when nothing changes for the Jobs (exit 0), e.g. a commit touching other files only', async () => {
    repo.write('README.md', 'a GitOps repository for benchmarks\n');
    const readme = await repo.commit('README');
    const result = await benchctl(['diff', '--from', second, '--to', readme], { cwd: repo.dir });
    expect(result).toEqual({ code: 0, stdout: 'no Job changes\n', stderr: '' });
  });

  it('fails (exit 3) on a revision Git does not know or outside a repository', async () => {
    const unknown = await benchctl(['diff', '--from', 'no-such-rev', 'gitops'], { cwd: repo.dir });
    expect(unknown).toEqual({ code: 3, stdout: '', stderr: 'error: unknown revision no-such-rev\n' });
    const outside = await benchctl(['diff', '--from', 'HEAD', '/']);
    expect(outside.code).toBe(3);
    expect(outside.stderr).toBe('error: / is not in a Git working copy\n');
  });

  it('is a usage error (exit 2) without --from', async () => {
    const result = await benchctl(['diff', 'gitops'], { cwd: repo.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--from <rev>' not specified");
  });
});
