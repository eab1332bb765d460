// Which GitHub repositories the operator posts commit statuses to (docs/gitops.md#which-repositories).
// A suite's bench.dev/github-repository annotation is written by whoever may edit the suite, and
// the operator posts with its own credentials: without a bound, any suite author could make it
// write to any repository its token reaches. The operator's settings name the repositories it may
// write to; GitHub's owner and repository names are case-insensitive, and so is the matching.
import { ANNOTATIONS } from '../render/labels.ts';
import type { Repository } from './commit-status.ts';

/** `owner/repo`, or `owner/*` for every repository of the owner; lowercase. */
export interface RepositoryPattern {
  owner: string;
  /** `*`: any repository of the owner. */
  repo: string;
}

const OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

/** One `owner/repo` or `owner/*` pattern, or why it is not one. */
export function parseRepositoryPattern(value: string): RepositoryPattern | { error: string } {
  const text = value.trim();
  const [owner = '', repo, ...rest] = text.split('/');
  if (repo === undefined || rest.length > 0) return { error: `"${text}" is not owner/repo or owner/*` };
  if (owner === '*') return { error: `"${text}": the owner cannot be *; list each owner as owner/*` };
  if (!OWNER.test(owner)) return { error: `"${text}": "${owner}" is not a GitHub owner name` };
  if (repo !== '*' && (!REPO.test(repo) || repo === '.' || repo === '..'))
    return { error: `"${text}": "${repo}" is not a GitHub repository name (or *)` };
  return { owner: owner.toLowerCase(), repo: repo.replace(/\.git$/, '').toLowerCase() };
}

/** Comma-separated patterns; every one must parse, and there must be one. */
export function parseRepositoryPatterns(value: string): RepositoryPattern[] | { error: string } {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) return { error: 'no repository given: list owner/repo or owner/* patterns' };
  const patterns: RepositoryPattern[] = [];
  for (const item of items) {
    const pattern = parseRepositoryPattern(item);
    if ('error' in pattern) return pattern;
    patterns.push(pattern);
  }
  return patterns;
}

/** The pattern of exactly this repository. */
export const exactPattern = (repository: Repository): RepositoryPattern => ({
  owner: repository.owner.toLowerCase(),
  repo: repository.repo.toLowerCase(),
});

export function repositoryAllowed(patterns: readonly RepositoryPattern[], repository: Repository): boolean {
  const owner = repository.owner.toLowerCase();
  const repo = repository.repo.toLowerCase();
  return patterns.some((p) => p.owner === owner && (p.repo === '*' || p.repo === repo));
}

export const formatPattern = (pattern: RepositoryPattern): string => `${pattern.owner}/${pattern.repo}`;

/** Why a suite's statuses are not posted, for its Event and the log. */
export function notAllowedMessage(repository: Repository): string {
  return `no commit status is posted to ${repository.owner}/${repository.repo} (annotation ${ANNOTATIONS.githubRepository}): the operator may not write to that repository; its administrator can allow it with the flag --gitops-allowed-repositories (owner/repo or owner/*)`;
}
