// Creates commit statuses on GitHub through octokit (docs/gitops.md): a token, or a GitHub App's
// installation token (octokit's App support makes and refreshes them; the installation is looked
// up from the repository unless configured), against github.com or an Enterprise Server base URL.
// octokit's retry plugin retries 5xx and unanswered requests; its throttling plugin waits out
// primary (x-ratelimit-reset) and secondary (retry-after) rate limits and spaces writes a second
// apart, as GitHub asks; the gate below also holds requests back once a response said that no
// request is left before the reset, instead of spending one to hear it.
import { setTimeout as sleep } from 'node:timers/promises';
import { App, Octokit, RequestError } from 'octokit';
import type { Logger } from 'pino';
import type { CommitStatus, Repository } from '../core/gitops/commit-status.ts';
import type { GitHubConfig } from './config.ts';

/** What the client needs of the settings: where GitHub is, how long to wait, and the credentials. */
export type GitHubClientConfig = Pick<GitHubConfig, 'baseURL' | 'timeoutMs' | 'credentials'>;

/** GitHub's REST API version these requests are written for. */
const API_VERSION = '2022-11-28';

/** Rate-limited requests are retried this often (each after the wait GitHub asks for). */
const RATE_LIMIT_RETRIES = 2;

export interface CommitStatusClient {
  create(status: CommitStatus, signal?: AbortSignal): Promise<void>;
}

/** Holds requests back until the reset once GitHub said none are left (x-ratelimit-remaining: 0). */
class RateLimitGate {
  private resetAt = 0;

  observe(headers: Record<string, string | number | undefined> | undefined): void {
    if (String(headers?.['x-ratelimit-remaining']) !== '0') return;
    const reset = Number(headers?.['x-ratelimit-reset']) * 1000;
    // One second past the reset, as GitHub's documentation and octokit's throttling plugin do.
    if (Number.isFinite(reset)) this.resetAt = Math.max(this.resetAt, reset + 1000);
  }

  async wait(signal: AbortSignal | undefined): Promise<void> {
    const ms = this.resetAt - Date.now();
    if (ms > 0) await sleep(ms, undefined, signal ? { signal } : {});
  }
}

/** Every request gives up after the timeout; a retry has its own. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
    });
  };
}

/** octokit's log lines (retries, rate limits) as the operator's, at the same levels. */
function octokitLog(logger: Logger) {
  return {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
}

/**
 * The Octokit class every request of one client goes through: base URL, timeout, retries,
 * throttling, the gate. Also benchctl's, for the pull requests of `rollback --pr`.
 */
export function octokitClass(config: Pick<GitHubConfig, 'baseURL' | 'timeoutMs'>, logger: Logger) {
  const gate = new RateLimitGate();
  const retryWhileLimited = (
    retryAfter: number,
    options: { method: string; url: string },
    _: unknown,
    retryCount: number,
  ) => {
    logger.warn(
      { method: options.method, url: options.url, retryAfterSeconds: retryAfter, retryCount },
      'GitHub rate limit reached',
    );
    return retryCount < RATE_LIMIT_RETRIES;
  };
  return Octokit.plugin((octokit) => {
    octokit.hook.before('request', async (options) => {
      options.headers['x-github-api-version'] = API_VERSION;
      await gate.wait(options.request?.signal);
    });
    octokit.hook.after('request', (response) => gate.observe(response.headers));
    octokit.hook.error('request', (error) => {
      if (error instanceof RequestError) gate.observe(error.response?.headers);
      throw error;
    });
  }).defaults({
    baseUrl: config.baseURL,
    userAgent: 'bench-operator',
    log: octokitLog(logger),
    request: { fetch: fetchWithTimeout(config.timeoutMs) },
    throttle: { onRateLimit: retryWhileLimited, onSecondaryRateLimit: retryWhileLimited },
  });
}

type RequestingOctokit = Pick<InstanceType<typeof Octokit>, 'request'>;

/** The octokit for a repository: the token's, or the App installation's that covers the repository. */
function octokitResolver(
  config: GitHubClientConfig,
  logger: Logger,
): (repository: Repository) => Promise<RequestingOctokit> {
  const GitHubOctokit = octokitClass(config, logger);
  const { credentials } = config;
  if (credentials.kind === 'token') {
    const octokit = new GitHubOctokit({ auth: credentials.token });
    return () => Promise.resolve(octokit);
  }
  const app = new App({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    Octokit: GitHubOctokit,
  });
  const installations = new Map<string, Promise<number>>();
  const octokits = new Map<number, Promise<RequestingOctokit>>();
  const installationOf = (repository: Repository): Promise<number> => {
    if (credentials.installationId !== undefined) return Promise.resolve(credentials.installationId);
    const key = `${repository.owner}/${repository.repo}`;
    let found = installations.get(key);
    if (!found) {
      found = app.octokit
        .request('GET /repos/{owner}/{repo}/installation', { owner: repository.owner, repo: repository.repo })
        .then(
          (response) => response.data.id,
          (error: unknown) => {
            if (error instanceof RequestError && error.status === 404)
              error.message = `the GitHub App is not installed on ${key} (${error.message})`;
            throw error;
          },
        );
      // A failed lookup (not installed yet, GitHub down) is asked again next time.
      found.catch(() => installations.delete(key));
      installations.set(key, found);
    }
    return found;
  };
  return async (repository) => {
    const id = await installationOf(repository);
    let octokit = octokits.get(id);
    if (!octokit) {
      octokit = app.getInstallationOctokit(id);
      octokits.set(id, octokit);
    }
    return octokit;
  };
}

export function commitStatusClient(config: GitHubClientConfig, logger: Logger): CommitStatusClient {
  const octokitFor = octokitResolver(config, logger);
  return {
    async create(status, signal) {
      const octokit = await octokitFor(status.repository);
      await octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        owner: status.repository.owner,
        repo: status.repository.repo,
        sha: status.sha,
        state: status.state,
        context: status.context,
        description: status.description,
        ...(status.targetURL ? { target_url: status.targetURL } : {}),
        ...(signal ? { request: { signal } } : {}),
      });
    },
  };
}

/**
 * Whether trying again cannot help: GitHub refused the request itself (bad credentials, no
 * permission, no such repository or commit, invalid fields). Rate limits, 5xx and unanswered
 * requests are worth another try.
 */
export function isRejection(error: unknown): error is RequestError {
  if (!(error instanceof RequestError) || error.status < 400 || error.status >= 500) return false;
  if (error.status === 429) return false;
  const headers = error.response?.headers ?? {};
  const rateLimited =
    String(headers['x-ratelimit-remaining']) === '0' ||
    headers['retry-after'] !== undefined ||
    /\bsecondary rate\b/i.test(error.message);
  return !(error.status === 403 && rateLimited);
}
