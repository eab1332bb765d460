// The GitOps integrations' settings (docs/gitops.md): revisions from the Flux Kustomization or
// Argo CD Application managing a suite, and commit statuses on GitHub. Both off by default.
import type { FlagGroup, GroupFlags } from '../config/flag-group.ts';
import { parseDuration } from '../meta/duration.ts';
import {
  exactPattern,
  parseRepositoryPatterns,
  type RepositoryPattern,
} from '../core/gitops/allowed-repositories.ts';
import { parseRepository, validTargetURL, type Repository } from '../core/gitops/commit-status.ts';

/** As given, by flag (`--gitops-<name>`) or ConfigMap key. */
export interface GitOpsSettings {
  /** `flux`, `argocd` or both, comma-separated. */
  revisionSources?: string;
  /** Where Kustomizations are read, comma-separated; empty: all namespaces. */
  fluxNamespaces?: string;
  /** Where Applications are read, comma-separated; the first is Argo CD's own (default `argocd`). */
  argocdNamespaces?: string;
  /** The Secret (operator's namespace) with `token`, or `appId` + `privateKey` [+ `installationId`]. */
  githubSecret?: string;
  githubURL?: string;
  /** `owner/repo`, for suites without the bench.dev/github-repository annotation. */
  githubRepository?: string;
  /**
   * `owner/repo` and `owner/*` patterns, comma-separated: the repositories suites' annotations may
   * name, besides the default repository (always allowed). Unset: the default repository only.
   */
  allowedRepositories?: string;
  githubContextPrefix?: string;
  /** With `{namespace}`, `{name}`, `{round}`, `{revision}`. */
  githubTargetURL?: string;
  /** Go duration, per request. */
  githubTimeout?: string;
}

export const GITOPS_FLAGS: FlagGroup<GitOpsSettings> = {
  prefix: 'gitops',
  what: 'gitops',
  settings: [
    { flag: 'gitops-revision-sources', key: 'revisionSources' },
    { flag: 'gitops-flux-namespaces', key: 'fluxNamespaces' },
    { flag: 'gitops-argocd-namespaces', key: 'argocdNamespaces' },
    { flag: 'gitops-github-secret', key: 'githubSecret' },
    { flag: 'gitops-github-url', key: 'githubURL' },
    { flag: 'gitops-github-repository', key: 'githubRepository' },
    { flag: 'gitops-allowed-repositories', key: 'allowedRepositories' },
    { flag: 'gitops-github-context-prefix', key: 'githubContextPrefix' },
    { flag: 'gitops-github-target-url', key: 'githubTargetURL' },
    { flag: 'gitops-github-timeout', key: 'githubTimeout' },
  ],
};

export type GitOpsFlags = GroupFlags<GitOpsSettings>;

export const GITOPS_DEFAULTS = {
  argocdNamespace: 'argocd',
  githubURL: 'https://api.github.com',
  githubContextPrefix: 'bench-operator',
  githubTimeout: '30s',
} as const;

export interface RevisionSourcesConfig {
  /** Namespaces to read Kustomizations in; empty: all. */
  flux?: { namespaces: string[] };
  /** Namespaces to read Applications in; the first is Argo CD's own. */
  argocd?: { namespaces: string[] };
}

export type GitHubCredentials =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId?: number };

export interface GitHubConfig {
  /** The REST API's base URL: https://api.github.com, or https://<host>/api/v3 for Enterprise Server. */
  baseURL: string;
  /** Never logged. */
  credentials: GitHubCredentials;
  /** The Secret they came from, for messages. */
  secret: string;
  repository?: Repository;
  /** Where statuses may go: the default repository and the allowed patterns. */
  allowed: RepositoryPattern[];
  contextPrefix: string;
  targetURL?: string;
  timeoutMs: number;
}

export interface GitOpsConfig {
  revisions: RevisionSourcesConfig;
  github?: GitHubConfig;
}

export interface GitOpsSources {
  namespace: string;
  /** The Secret's data by key, decoded. */
  readSecret(name: string): Promise<Record<string, Buffer>>;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Every mistake is an error naming the setting: a configured integration that silently does nothing would go unnoticed. */
export async function resolveGitOpsConfig(
  settings: GitOpsSettings,
  sources: GitOpsSources,
): Promise<GitOpsConfig> {
  return { revisions: revisionSources(settings), ...(await github(settings, sources)) };
}

function revisionSources(settings: GitOpsSettings): RevisionSourcesConfig {
  const chosen = list(settings.revisionSources);
  const unknown = chosen.filter((source) => source !== 'flux' && source !== 'argocd');
  if (unknown.length > 0)
    throw new Error(`gitops revision sources must be flux and/or argocd, got "${unknown.join(', ')}"`);
  if (settings.fluxNamespaces !== undefined && !chosen.includes('flux'))
    throw new Error(
      'gitops Flux namespaces are set but flux is not a revision source (--gitops-revision-sources)',
    );
  if (settings.argocdNamespaces !== undefined && !chosen.includes('argocd'))
    throw new Error(
      'gitops Argo CD namespaces are set but argocd is not a revision source (--gitops-revision-sources)',
    );
  const argocdNamespaces = list(settings.argocdNamespaces);
  return {
    ...(chosen.includes('flux') ? { flux: { namespaces: list(settings.fluxNamespaces) } } : {}),
    ...(chosen.includes('argocd')
      ? {
          argocd: {
            namespaces: argocdNamespaces.length > 0 ? argocdNamespaces : [GITOPS_DEFAULTS.argocdNamespace],
          },
        }
      : {}),
  };
}

async function github(settings: GitOpsSettings, sources: GitOpsSources): Promise<{ github?: GitHubConfig }> {
  const given = (Object.keys(settings) as Array<keyof GitOpsSettings>).filter(
    (key) => (key.startsWith('github') || key === 'allowedRepositories') && settings[key] !== undefined,
  );
  if (!settings.githubSecret) {
    if (given.length > 0)
      throw new Error(
        `GitHub settings (${given.join(', ')}) without a credentials Secret (--gitops-github-secret)`,
      );
    return {};
  }
  let base: URL;
  const baseURL = (settings.githubURL ?? GITOPS_DEFAULTS.githubURL).replace(/\/+$/, '');
  try {
    base = new URL(baseURL);
  } catch {
    throw new Error(`GitHub API URL "${baseURL}" is not a URL`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`GitHub API URL must be https (or http for local use), got ${base.protocol}`);
  if (base.username || base.password)
    throw new Error('GitHub API URL must not carry credentials; they come from the Secret');
  let repository: Repository | undefined;
  if (settings.githubRepository !== undefined) {
    repository = parseRepository(settings.githubRepository);
    if (!repository)
      throw new Error(`GitHub repository must be owner/repo, got "${settings.githubRepository}"`);
  }
  const allowed = allowedRepositories(settings.allowedRepositories, repository);
  const contextPrefix = settings.githubContextPrefix ?? GITOPS_DEFAULTS.githubContextPrefix;
  if (!/^[^\s/][^\s]*$/.test(contextPrefix) || contextPrefix.endsWith('/'))
    throw new Error(`GitHub status context prefix must be a word without spaces, got "${contextPrefix}"`);
  if (settings.githubTargetURL !== undefined && !validTargetURL(settings.githubTargetURL))
    throw new Error(
      `GitHub target URL must be an http(s) URL (placeholders {namespace}, {name}, {round}, {revision}), got "${settings.githubTargetURL}"`,
    );
  const timeoutMs = parseDuration(settings.githubTimeout ?? GITOPS_DEFAULTS.githubTimeout);
  if (!(timeoutMs > 0)) throw new Error(`GitHub timeout must be positive, got "${settings.githubTimeout}"`);
  const secret = settings.githubSecret;
  return {
    github: {
      baseURL,
      credentials: credentialsFrom(secret, await sources.readSecret(secret)),
      secret,
      ...(repository ? { repository } : {}),
      allowed,
      contextPrefix,
      ...(settings.githubTargetURL !== undefined ? { targetURL: settings.githubTargetURL } : {}),
      timeoutMs,
    },
  };
}

/**
 * The default repository and the patterns given; with neither, no status could ever be posted,
 * which is a mistake to say at start rather than a silence to discover later.
 */
function allowedRepositories(
  value: string | undefined,
  repository: Repository | undefined,
): RepositoryPattern[] {
  const allowed = repository ? [exactPattern(repository)] : [];
  if (value === undefined) {
    if (allowed.length === 0)
      throw new Error(
        'GitHub commit statuses need a repository: a default repository (--gitops-github-repository) and/or the repositories suites may name in their bench.dev/github-repository annotation (--gitops-allowed-repositories)',
      );
    return allowed;
  }
  const patterns = parseRepositoryPatterns(value);
  if ('error' in patterns)
    throw new Error(
      `GitHub allowed repositories (--gitops-allowed-repositories) must be owner/repo or owner/* patterns, comma-separated: ${patterns.error}`,
    );
  return [...allowed, ...patterns];
}

/** A token, or a GitHub App's id and private key (and optionally its installation); never both. */
export function credentialsFrom(secret: string, data: Record<string, Buffer>): GitHubCredentials {
  const text = (key: string) => data[key]?.toString('utf8').trim() || undefined;
  const token = text('token');
  const appId = text('appId');
  const privateKey = text('privateKey');
  const installationId = text('installationId');
  const app = appId !== undefined || privateKey !== undefined || installationId !== undefined;
  if (token !== undefined && app)
    throw new Error(`the GitHub Secret ${secret} holds a token and GitHub App keys: keep one of the two`);
  if (token !== undefined) return { kind: 'token', token };
  if (!app)
    throw new Error(
      `the GitHub Secret ${secret} has neither "token" nor "appId" and "privateKey" (keys: ${Object.keys(data).join(', ') || 'none'})`,
    );
  if (!appId || !privateKey)
    throw new Error(`the GitHub Secret ${secret} needs both "appId" and "privateKey" for a GitHub App`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
    throw new Error(`the GitHub Secret ${secret}: "privateKey" is not a PEM private key`);
  if (installationId !== undefined && !/^[1-9][0-9]*$/.test(installationId))
    throw new Error(`the GitHub Secret ${secret}: "installationId" must be a positive integer`);
  return {
    kind: 'app',
    appId,
    privateKey,
    ...(installationId !== undefined ? { installationId: Number(installationId) } : {}),
  };
}
