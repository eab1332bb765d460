// The commit status client against a fake GitHub on loopback (test/support/fake-github.ts): the
// exact requests octokit makes, with a token and as a GitHub App, and how it meets 5xx answers,
// rate limits and rejections. Waits are asserted with lower bounds (what GitHub asked for) and
// generous upper ones; the machine may be slow, never fast.
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { closeFakeGitHubsAfterAll, FakeGitHub } from '../../../test/support/fake-github.ts';
import type { CommitStatus } from '../core/gitops/commit-status.ts';
import type { GitHubCredentials } from './config.ts';
import {
  commitStatusClient,
  isRejection,
  type CommitStatusClient,
  type GitHubClientConfig,
} from './github-client.ts';

closeFakeGitHubsAfterAll();

/** For tests that wait for GitHub's reset or retry-after. */
const WAITS = 60_000;

const TOKEN = 'ghp_secretsecretsecretsecret0123456789';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const STATUSES = /^\/repos\/acme\/evals\/statuses\//;

const status: CommitStatus = {
  repository: { owner: 'acme', repo: 'evals' },
  sha: SHA,
  state: 'success',
  context: 'bench-operator/team/nightly',
  description: '38/40 runs succeeded; best score gpt-4o 0.87',
  targetURL: 'https://grafana.example/d/bench?suite=team/nightly&round=3',
};

/** Log lines the client wrote. */
let logs: string[] = [];

function client(
  github: FakeGitHub,
  credentials: GitHubCredentials = { kind: 'token', token: TOKEN },
): CommitStatusClient {
  const config: GitHubClientConfig = { baseURL: github.url, credentials, timeoutMs: 10_000 };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  return commitStatusClient(config, pino({ level: 'debug' }, stream));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

beforeEach(() => {
  logs = [];
});

describe('with a token', () => {
  it('creates the status with one request: path, authorization scheme, API version and body', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    await client(github).create(status);
    expect(github.requests).toHaveLength(1);
    const [request] = github.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: `/repos/acme/evals/statuses/${SHA}`,
      body: {
        state: 'success',
        context: 'bench-operator/team/nightly',
        description: '38/40 runs succeeded; best score gpt-4o 0.87',
        target_url: 'https://grafana.example/d/bench?suite=team/nightly&round=3',
      },
    });
    expect(request!.headers).toMatchObject({
      authorization: `token ${TOKEN}`,
      accept: 'application/vnd.github.v3+json',
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version': '2022-11-28',
    });
    expect(request!.headers['user-agent']).toMatch(/^bench-operator /);
    expect(github.statuses).toEqual([
      {
        repository: 'acme/evals',
        sha: SHA,
        state: 'success',
        context: 'bench-operator/team/nightly',
        description: status.description,
        target_url: status.targetURL,
      },
    ]);
  });

  it('uses an Enterprise Server base URL as given', async () => {
    const github = await FakeGitHub.start({ token: TOKEN, prefix: '/api/v3' });
    const { targetURL: _, ...withoutTarget } = status;
    await client(github).create(withoutTarget);
    expect(github.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      [
        'POST',
        `/repos/acme/evals/statuses/${SHA}`,
        { state: 'success', context: status.context, description: status.description },
      ],
    ]);
  });

  it(
    'retries a 502 and then succeeds',
    async () => {
      const github = await FakeGitHub.start({ token: TOKEN });
      github.respondNext('POST', STATUSES, { status: 502, body: { message: 'Server Error' } });
      await client(github).create(status);
      const requests = github.statusRequests();
      expect(requests).toHaveLength(2);
      expect(requests[1]!.body).toEqual(requests[0]!.body);
      expect(requests[1]!.headers.authorization).toBe(`token ${TOKEN}`);
      expect(github.statuses).toHaveLength(1);
    },
    WAITS,
  );

  it('does not retry a 4xx, and says it is a rejection', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    github.respondNext('POST', STATUSES, { status: 422, body: { message: 'No commit found for SHA: x' } });
    const error = await rejection(client(github).create(status));
    expect(isRejection(error)).toBe(true);
    expect(github.statusRequests()).toHaveLength(1);
  });

  it(
    'gets a 401 for a wrong token, not retried, and never logs the token',
    async () => {
      const github = await FakeGitHub.start({ token: 'another-token' });
      github.respondNext('POST', STATUSES, { status: 503, body: { message: 'Unavailable' } });
      const error = await rejection(client(github).create(status));
      expect(error).toMatchObject({ status: 401 });
      expect(isRejection(error)).toBe(true);
      expect(github.statusRequests()).toHaveLength(2);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
      expect(logs.join('')).not.toContain(TOKEN);
    },
    WAITS,
  );

  it(
    'waits for x-ratelimit-reset when GitHub answers 403 with no requests remaining',
    async () => {
      const github = await FakeGitHub.start({ token: TOKEN });
      const reset = Math.ceil(Date.now() / 1000) + 3;
      github.respondNext('POST', STATUSES, {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        body: { message: 'API rate limit exceeded for installation ID 1.' },
      });
      await client(github).create(status);
      const [limited, retried] = github.statusRequests();
      expect(retried, 'the request is made again after the reset').toBeDefined();
      expect(retried!.at).toBeGreaterThanOrEqual(reset * 1000);
      expect(retried!.at - limited!.at).toBeLessThan(60_000);
      expect(github.statuses).toHaveLength(1);
      expect(logs.some((line) => line.includes('GitHub rate limit reached'))).toBe(true);
    },
    WAITS,
  );

  it(
    'holds the next request until the reset once a response said none remain',
    async () => {
      const github = await FakeGitHub.start({ token: TOKEN });
      const reset = Math.ceil(Date.now() / 1000) + 3;
      const github201 = { status: 201, body: { id: 1 } };
      github.respondNext('POST', STATUSES, {
        ...github201,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      });
      const statuses = client(github);
      await statuses.create(status);
      await statuses.create({ ...status, state: 'failure' });
      const [first, second] = github.statusRequests();
      expect(github.statusRequests()).toHaveLength(2);
      expect(second!.at, 'no request before the reset').toBeGreaterThanOrEqual(reset * 1000);
      expect(second!.at - first!.at).toBeLessThan(60_000);
    },
    WAITS,
  );

  it(
    'waits retry-after seconds on a secondary rate limit',
    async () => {
      const github = await FakeGitHub.start({ token: TOKEN });
      github.respondNext('POST', STATUSES, {
        status: 403,
        headers: { 'retry-after': '2' },
        body: {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        },
      });
      await client(github).create(status);
      const [limited, retried] = github.statusRequests();
      expect(retried, 'the request is made again after retry-after').toBeDefined();
      expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(2000);
      expect(retried!.at - limited!.at).toBeLessThan(60_000);
    },
    WAITS,
  );
});

describe('as a GitHub App', () => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    // GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY").
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const app = (installations: Record<string, number>) =>
    FakeGitHub.start({ app: { id: '4242', publicKey: keys.publicKey, installations } });

  it('finds the installation from the repository, makes an installation token with a signed JWT, and uses it', async () => {
    const github = await app({ 'acme/evals': 77 });
    const statuses = client(github, { kind: 'app', appId: '4242', privateKey: keys.privateKey });
    await statuses.create(status);
    await statuses.create({ ...status, state: 'failure' });
    expect(github.rejectedJwts).toEqual([]);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/evals/installation',
      'POST /app/installations/77/access_tokens',
      `POST /repos/acme/evals/statuses/${SHA}`,
      `POST /repos/acme/evals/statuses/${SHA}`,
    ]);
    const [lookup, tokens, created] = github.requests;
    expect(lookup!.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(tokens!.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const [token] = github.issuedTokens.get(77)!;
    expect(created!.headers.authorization).toBe(`token ${token}`);
    expect(github.statuses.map((s) => s.state)).toEqual(['success', 'failure']);
    expect(logs.join('')).not.toContain(token);
    expect(logs.join('')).not.toContain('PRIVATE KEY');
  });

  it('uses the configured installation without looking it up', async () => {
    const github = await app({ 'acme/evals': 77 });
    await client(github, {
      kind: 'app',
      appId: '4242',
      privateKey: keys.privateKey,
      installationId: 77,
    }).create(status);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /app/installations/77/access_tokens',
      `POST /repos/acme/evals/statuses/${SHA}`,
    ]);
  });

  it('is rejected when the App is not installed on the repository', async () => {
    const github = await app({ 'acme/other': 77 });
    const error = await rejection(
      client(github, { kind: 'app', appId: '4242', privateKey: keys.privateKey }).create(status),
    );
    expect(error).toMatchObject({
      status: 404,
      message: expect.stringMatching(/^the GitHub App is not installed on acme\/evals/) as unknown,
    });
    expect(isRejection(error)).toBe(true);
    expect(github.statusRequests()).toEqual([]);
  });

  it('is refused by GitHub with a key that is not the App’s', async () => {
    const github = await app({ 'acme/evals': 77 });
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const error = await rejection(
      client(github, { kind: 'app', appId: '4242', privateKey: other.privateKey }).create(status),
    );
    expect(error).toMatchObject({ status: 401 });
    expect(github.rejectedJwts).toContain('signature does not verify');
    expect(github.statusRequests()).toEqual([]);
  });
});
