// benchctl history over a temporary Git repository, without a cluster (the e2e test has one).
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchctl, parseJson } from '../../../../test/support/benchctl.ts';
import { createRepo, type TempRepo } from '../../../../test/support/git-repo.ts';

const suite = (image: string) => `apiVersion: bench.dev/v1alpha1
kind: BenchmarkSuite
metadata:
  name: smoke
spec:
  runner:
    image: ${image}
  targets: [{name: gpt, providerRef: openai, model: gpt-4o}]
  benchmarks: [{name: hello}]
`;

interface HistoryReport {
  suite: { name: string; file: string };
  cluster: string;
  commits: Array<{ sha: string; subject: string; author: string; rounds: unknown[] }>;
  unmatchedRounds: unknown[];
}

/** A loopback port nothing listens on (a server's, once it has closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let repo: TempRepo;
const commits: string[] = [];

beforeAll(async () => {
  repo = await createRepo();
  repo.write('suites/smoke.yaml', suite('runner:1'));
  commits.push(await repo.commit('add smoke'));
  repo.write('suites/smoke.yaml', suite('runner:2'));
  commits.push(await repo.commit('smoke: runner 2'));
  repo.write('README.md', 'unrelated\n');
  await repo.commit('README');
  // Moved into another folder, then changed: --follow keeps the history.
  await repo.git.mv('suites/smoke.yaml', 'base-smoke.yaml');
  commits.push(await repo.commit('move smoke'));
  repo.write('base-smoke.yaml', suite('runner:3'));
  commits.push(await repo.commit('smoke: runner 3'));
});
afterAll(() => repo.remove());

describe('benchctl history', { timeout: 60_000 }, () => {
  it('lists the commits that changed the suite’s file, newest first, across a rename (--offline: no cluster)', async () => {
    const result = await benchctl(['history', 'smoke', '--offline', '-o', 'json'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    const report = parseJson<HistoryReport>(result);
    expect(report.suite).toEqual({ name: 'smoke', file: 'base-smoke.yaml' });
    expect(report.cluster).toBe('unread');
    expect(report.commits.map((c) => [c.sha, c.subject, c.author, c.rounds])).toEqual([
      [commits[3], 'smoke: runner 3', 'Test Author', []],
      [commits[2], 'move smoke', 'Test Author', []],
      [commits[1], 'smoke: runner 2', 'Test Author', []],
      [commits[0], 'add smoke', 'Test Author', []],
    ]);
  });

  it('shows the commits alone, with a warning, when the cluster cannot be reached (exit 0)', async () => {
    const port = await closedPort();
    const kubeconfig = path.join(repo.dir, '..', `${path.basename(repo.dir)}-kubeconfig`);
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\n` +
        'users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const result = await benchctl(['history', 'smoke', '--kubeconfig', kubeconfig], { cwd: repo.dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^warning: cannot reach the API server at https://127\\.0\\.0\\.1:${port}: ECONNREFUSED: showing the commits only\n$`,
      ),
    );
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('BenchmarkSuite smoke in base-smoke.yaml');
    expect(lines.slice(1, 5).map((l) => l.split('  ')[0])).toEqual(
      commits.map((c) => c.slice(0, 12)).reverse(),
    );
    expect(lines[1]).toMatch(/^[0-9a-f]{12} {2}\d{4}-\d\d-\d\d {2}Test Author {2}smoke: runner 3$/);
  });

  it('is a finding (exit 1) when no tracked file defines the suite, a failure (exit 3) outside a repository', async () => {
    const missing = await benchctl(['history', 'nope', '--offline'], { cwd: repo.dir });
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: no BenchmarkSuite named nope in the files tracked under .\n',
    });
    const outside = await benchctl(['history', 'smoke', '--offline', '--path', '/']);
    expect(outside).toMatchObject({ code: 3, stderr: 'error: / is not in a Git working copy\n' });
  });
});
