import { describe, expect, it } from 'vitest';
import type { RepositoryPattern } from '../core/gitops/allowed-repositories.ts';
import { credentialsFrom, resolveGitOpsConfig, type GitOpsSettings } from './config.ts';

const ACME_EVALS = { owner: 'acme', repo: 'evals' };

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----';
const secrets: Record<string, Record<string, Buffer>> = {
  token: { token: Buffer.from('ghp_abc\n') },
  app: { appId: Buffer.from('4242'), privateKey: Buffer.from(PEM) },
};

const resolve = (settings: GitOpsSettings) =>
  resolveGitOpsConfig(settings, {
    namespace: 'bench-system',
    readSecret: (name) => {
      const data = secrets[name];
      if (!data)
        return Promise.reject(
          new Error(`reading the GitHub credentials Secret bench-system/${name}: not found`),
        );
      return Promise.resolve(data);
    },
  });

describe('GitHub settings', () => {
  it('are off without a Secret, with defaults once one is named', async () => {
    expect((await resolve({})).github).toBeUndefined();
    expect((await resolve({ githubSecret: 'token', githubRepository: 'acme/evals' })).github).toEqual({
      baseURL: 'https://api.github.com',
      credentials: { kind: 'token', token: 'ghp_abc' },
      secret: 'token',
      repository: { owner: 'acme', repo: 'evals' },
      allowed: [{ owner: 'acme', repo: 'evals' }],
      contextPrefix: 'bench-operator',
      timeoutMs: 30_000,
    });
  });

  it('take an Enterprise base URL, a default repository, a context prefix, a target URL and a timeout', async () => {
    const { github } = await resolve({
      githubSecret: 'app',
      githubURL: 'https://ghe.example/api/v3/',
      githubRepository: 'acme/evals',
      githubContextPrefix: 'evals',
      githubTargetURL: 'https://grafana.example/d/x?suite={namespace}/{name}',
      githubTimeout: '5s',
    });
    expect(github).toMatchObject({
      baseURL: 'https://ghe.example/api/v3',
      credentials: { kind: 'app', appId: '4242', privateKey: PEM },
      repository: { owner: 'acme', repo: 'evals' },
      contextPrefix: 'evals',
      targetURL: 'https://grafana.example/d/x?suite={namespace}/{name}',
      timeoutMs: 5000,
    });
  });

  it.each<[string, GitOpsSettings, RepositoryPattern[]]>([
    ['the default repository only, when unset', { githubRepository: 'Acme/Evals' }, [ACME_EVALS]],
    [
      'the default repository and the patterns given',
      { githubRepository: 'acme/evals', allowedRepositories: 'acme/*, Friends/Models' },
      [ACME_EVALS, { owner: 'acme', repo: '*' }, { owner: 'friends', repo: 'models' }],
    ],
    [
      'the patterns given, without a default repository',
      { allowedRepositories: 'friends/*' },
      [{ owner: 'friends', repo: '*' }],
    ],
  ])('allow %s', async (_, settings, allowed) => {
    expect((await resolve({ githubSecret: 'token', ...settings })).github?.allowed).toEqual(allowed);
  });

  it.each<[GitOpsSettings, RegExp]>([
    [{ githubURL: 'https://ghe.example/api/v3' }, /without a credentials Secret \(--gitops-github-secret\)/],
    [{ allowedRepositories: 'acme/*' }, /\(allowedRepositories\) without a credentials Secret/],
    [
      { githubSecret: 'token' },
      /need a repository: .*--gitops-github-repository.*--gitops-allowed-repositories/,
    ],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', allowedRepositories: 'acme/*,*/*' },
      /allowed repositories \(--gitops-allowed-repositories\) must be owner\/repo or owner\/\* patterns, comma-separated: "\*\/\*": the owner cannot be \*/,
    ],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', allowedRepositories: 'evals' },
      /--gitops-allowed-repositories\) must be .*"evals" is not owner\/repo or owner\/\*/,
    ],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', allowedRepositories: '' },
      /--gitops-allowed-repositories\) must be .*no repository given/,
    ],
    [
      { githubSecret: 'missing', githubRepository: 'acme/evals' },
      /GitHub credentials Secret bench-system\/missing: not found/,
    ],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', githubURL: 'ftp://ghe.example' },
      /must be https/,
    ],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', githubURL: 'https://user:pw@ghe.example' },
      /must not carry credentials/,
    ],
    [{ githubSecret: 'token', githubRepository: 'acme' }, /must be owner\/repo, got "acme"/],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', githubContextPrefix: 'a b' },
      /context prefix must be a word/,
    ],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', githubTargetURL: 'grafana/{name}' },
      /target URL must be an http\(s\) URL/,
    ],
    [
      { githubSecret: 'token', githubRepository: 'acme/evals', githubTimeout: '0s' },
      /timeout must be positive/,
    ],
  ])('reject %j', async (settings, message) => {
    await expect(resolve(settings)).rejects.toThrow(message);
  });
});

describe('credentialsFrom', () => {
  it('takes an App with its installation', () => {
    expect(credentialsFrom('s', { ...secrets.app, installationId: Buffer.from('77') })).toEqual({
      kind: 'app',
      appId: '4242',
      privateKey: PEM,
      installationId: 77,
    });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ token: 't', appId: '1', privateKey: PEM }, /holds a token and GitHub App keys/],
    [{ other: 'x' }, /neither "token" nor "appId" and "privateKey" \(keys: other\)/],
    [{ appId: '1' }, /needs both "appId" and "privateKey"/],
    [{ appId: '1', privateKey: 'not a key' }, /"privateKey" is not a PEM private key/],
    [{ appId: '1', privateKey: PEM, installationId: 'x' }, /"installationId" must be a positive integer/],
  ])('rejects %j, naming the keys and never their values', (data, message) => {
    const buffers = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)]));
    let error: Error | undefined;
    try {
      credentialsFrom('github', buffers);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('MIIB');
  });
});
