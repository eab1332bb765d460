// benchctl rollback in a temporary Git repository with a bare remote to push to.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchctl, parseJson } from '../../../../test/support/benchctl.ts';
import { closeFakeGitHubsAfterAll, FakeGitHub } from '../../../../test/support/fake-github.ts';
import { createRepo, type TempRepo } from '../../../../test/support/git-repo.ts';

const policy =
  '# the policy stays as written\napiVersion: bench.dev/v1alpha1\nkind: SchedulePolicy\nmetadata:\n  name: adhoc   # comment\n';
const suite = (shards: number) => `# the smoke suite
apiVersion: bench.dev/v1alpha1
kind: BenchmarkSuite
metadata:
  name: smoke
spec:
  runner: {image: runner:1}
  targets: [{name: gpt, providerRef: openai, model: gpt-4o}]
  benchmarks:
    - name: hello
      shards: ${shards}   # how many pods
`;

interface RollbackReport {
  suite: string;
  file: string;
  to: { rev: string; commit: string };
  committed: boolean;
  commit?: string;
  pushed?: { remote: string; branch: string };
}

closeFakeGitHubsAfterAll();

let repo: TempRepo;
let remote: string;
let good: string;

beforeAll(async () => {
  remote = mkdtempSync(path.join(tmpdir(), 'benchctl-remote-'));
  await simpleGit(remote).init(true, ['--initial-branch=main']);
  repo = await createRepo();
  await repo.git.addRemote('origin', remote);
  repo.write('manifests.yaml', `${suite(1)}---\n${policy}`);
  good = await repo.commit('smoke with 1 shard');
  repo.write(
    'manifests.yaml',
    `${suite(4)}---\n${policy.replace('adhoc   # comment', 'adhoc   # comment edited later')}`,
  );
  await repo.commit('smoke with 4 shards');
  await repo.git.push('origin', 'main');
});
afterAll(() => {
  repo.remove();
  rmSync(remote, { recursive: true, force: true });
});

const file = () => readFileSync(path.join(repo.dir, 'manifests.yaml'), 'utf8');

describe('benchctl rollback', { timeout: 60_000 }, () => {
  it('restores the suite’s document as it was at the revision, leaves the rest of the file, and commits it', async () => {
    const result = await benchctl(['rollback', 'smoke', '--to', good, '-o', 'json'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    const report = parseJson<RollbackReport>(result);
    expect(report).toMatchObject({
      suite: 'smoke',
      file: 'manifests.yaml',
      to: { rev: good, commit: good },
      committed: true,
    });
    expect(file()).toBe(
      `${suite(1)}---\n${policy.replace('adhoc   # comment', 'adhoc   # comment edited later')}`,
    );
    const head = (await repo.git.log({ maxCount: 1 })).latest!;
    expect(head.hash).toBe(report.commit);
    expect(head.message).toBe(`Roll back BenchmarkSuite smoke to ${good}`);
    expect(await repo.git.raw(['status', '--porcelain'])).toBe('');
  });

  it('has nothing to commit when the suite is already as at the revision (exit 0)', async () => {
    const result = await benchctl(['rollback', 'smoke', '--to', good], { cwd: repo.dir });
    expect(result).toEqual({
      code: 0,
      stdout: `BenchmarkSuite smoke in manifests.yaml is already as at ${good}: nothing to commit\n`,
      stderr: '',
    });
  });

  it('names the commit of a symbolic revision, and pushes the branch with --push', async () => {
    // HEAD~1 has the suite with 4 shards (HEAD is the rollback to 1 shard).
    const result = await benchctl(['rollback', 'smoke', '--to', 'HEAD~1', '--push'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    const head = (await repo.git.log({ maxCount: 1 })).latest!;
    expect(head.message).toMatch(/^Roll back BenchmarkSuite smoke to HEAD~1 \([0-9a-f]{12}\)$/);
    expect(result.stdout).toBe(
      `✓ rolled back BenchmarkSuite smoke in manifests.yaml to HEAD~1: commit ${head.hash.slice(0, 12)}\n  pushed main to origin\n`,
    );
    expect((await simpleGit(remote).revparse(['main'])).trim()).toBe(head.hash);
    expect(file()).toContain('shards: 4   # how many pods');
  });

  it('keeps the working copy on its branch when the pull request cannot be opened (exit 3)', async () => {
    const result = await benchctl(['rollback', 'smoke', '--to', good, '--pr'], {
      cwd: repo.dir,
      env: { GITHUB_TOKEN: '', GH_TOKEN: '' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'error: opening a pull request needs a GitHub token: set GITHUB_TOKEN (or GH_TOKEN)\n',
    );
    expect(await repo.git.revparse(['--abbrev-ref', 'HEAD'])).toBe('main');
    // The branch with the commit was pushed before.
    const branch = `rollback/smoke-${good.slice(0, 7)}`;
    expect((await simpleGit(remote).raw(['branch', '--list', branch])).trim()).toBe(branch);
  });

  it('opens the pull request on GitHub with --pr, after a 502 retried; GitHub refusing it is exit 3', async () => {
    const token = 'ghp_rollbacktesttoken';
    const github = await FakeGitHub.start({ token });
    const env = { GITHUB_TOKEN: token, GITHUB_REPOSITORY: 'team/benchmarks', GITHUB_API_URL: github.url };
    github.respondNext('POST', /\/pulls$/, { status: 502, body: { message: 'Bad Gateway' } });
    const branch = 'rollback/smoke-pr';
    const result = await benchctl(['rollback', 'smoke', '--to', good, '--pr', '--branch', branch], {
      cwd: repo.dir,
      env,
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('  pull request #1: https://github.test/team/benchmarks/pull/1\n');
    const pulls = github.requests.filter(
      (r) => r.method === 'POST' && r.path === '/repos/team/benchmarks/pulls',
    );
    expect(pulls).toHaveLength(2);
    expect(pulls[1]!.headers.authorization).toBe(`token ${token}`);
    expect(github.pullRequests).toEqual([
      {
        repository: 'team/benchmarks',
        title: expect.stringMatching(/^Roll back BenchmarkSuite smoke to [0-9a-f]+/) as unknown,
        head: branch,
        base: 'main',
        body: expect.stringContaining('Restores BenchmarkSuite smoke in manifests.yaml') as unknown,
      },
    ]);
    expect(await repo.git.revparse(['--abbrev-ref', 'HEAD'])).toBe('main');
    expect((await simpleGit(remote).raw(['branch', '--list', branch])).trim()).toBe(branch);

    // GitHub refusing it (e.g. a pull request from that branch exists already) is exit 3, token not shown.
    github.respondNext('POST', /\/pulls$/, {
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ message: 'A pull request already exists for team:x.' }],
      },
    });
    const refused = await benchctl(
      ['rollback', 'smoke', '--to', good, '--pr', '--branch', `${branch}-again`],
      {
        cwd: repo.dir,
        env,
      },
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^error: GitHub refused the pull request on team\/benchmarks \(HTTP 422\)/,
    );
    expect(refused.stderr).not.toContain(token);
  });

  it('refuses a file with changes that are not committed (exit 1), an unknown suite (1) or revision (3)', async () => {
    writeFileSync(path.join(repo.dir, 'manifests.yaml'), `${file()}# a local edit\n`);
    const dirty = await benchctl(['rollback', 'smoke', '--to', good], { cwd: repo.dir });
    expect(dirty).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: manifests.yaml has changes that are not committed: commit or discard them first\n',
    });
    await repo.git.checkout(['--', 'manifests.yaml']);
    const unknownSuite = await benchctl(['rollback', 'other', '--to', good], { cwd: repo.dir });
    expect(unknownSuite.code).toBe(1);
    const unknownRev = await benchctl(['rollback', 'smoke', '--to', 'v9'], { cwd: repo.dir });
    expect(unknownRev).toMatchObject({ code: 3, stderr: 'error: unknown revision v9\n' });
  });
});
