// Opens the pull request of `benchctl rollback --pr` on GitHub (github.com or Enterprise Server)
// through the operator's own octokit setup (retries on 5xx, rate limits waited out). It is found
// and authorized as GitHub Actions and the gh CLI find them: GITHUB_TOKEN (or GH_TOKEN),
// GITHUB_REPOSITORY (owner/repo; else read from the remote's URL) and GITHUB_API_URL (else
// derived from the remote's host).
import { pino } from 'pino';
import { RequestError } from 'octokit';
import { parseRepository, type Repository } from '../core/gitops/commit-status.ts';
import { octokitClass } from '../gitops/github-client.ts';
import { failureError } from './errors.ts';
import type { PullRequest, PullRequestRequest } from './publish.ts';

/** Per request; octokit's retries have their own. */
const TIMEOUT_MS = 30_000;

interface GitHubTarget {
  repository: Repository;
  baseURL: string;
}

/** owner/repo and the API of a GitHub remote URL (https, ssh or scp-like); undefined for others. */
export function githubRemote(url: string): GitHubTarget | undefined {
  const scpLike = /^[^@/]+@([^:/]+):(.+)$/.exec(url);
  let host: string;
  let path: string;
  if (scpLike) {
    [, host, path] = scpLike as unknown as [string, string, string];
  } else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:'].includes(parsed.protocol) || !parsed.hostname) return undefined;
    host = parsed.hostname;
    path = parsed.pathname;
  }
  const repository = parseRepository(path.replace(/^\/+/, '').replace(/\.git$/, ''));
  if (!repository) return undefined;
  const baseURL = host === 'github.com' ? 'https://api.github.com' : `https://${host}/api/v3`;
  return { repository, baseURL };
}

export function openPullRequestOnGitHub(env: NodeJS.ProcessEnv) {
  return async (request: PullRequestRequest): Promise<PullRequest> => {
    const token = env.GITHUB_TOKEN || env.GH_TOKEN;
    if (!token)
      throw failureError('opening a pull request needs a GitHub token: set GITHUB_TOKEN (or GH_TOKEN)');
    const url = (await request.repo.git.remote(['get-url', request.remote]))?.trim() ?? '';
    const fromRemote = githubRemote(url);
    const named = env.GITHUB_REPOSITORY ? parseRepository(env.GITHUB_REPOSITORY) : undefined;
    if (env.GITHUB_REPOSITORY && !named)
      throw failureError(`GITHUB_REPOSITORY must be owner/repo, got "${env.GITHUB_REPOSITORY}"`);
    const repository = named ?? fromRemote?.repository;
    if (!repository)
      throw failureError(
        `cannot tell the GitHub repository of remote ${request.remote} (${url}): set GITHUB_REPOSITORY=owner/repo`,
      );
    const baseURL = (env.GITHUB_API_URL || fromRemote?.baseURL || 'https://api.github.com').replace(
      /\/+$/,
      '',
    );
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const GitHubOctokit = octokitClass({ baseURL, timeoutMs: TIMEOUT_MS }, logger);
    try {
      const { data } = await new GitHubOctokit({ auth: token }).request('POST /repos/{owner}/{repo}/pulls', {
        owner: repository.owner,
        repo: repository.repo,
        title: request.title,
        head: request.head,
        base: request.base,
        body: request.body,
      });
      return { number: data.number, url: data.html_url };
    } catch (error) {
      if (error instanceof RequestError)
        throw failureError(
          `GitHub refused the pull request on ${repository.owner}/${repository.repo} (HTTP ${error.status}): ${error.message}`,
        );
      throw failureError(
        `opening the pull request on ${baseURL} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
}
