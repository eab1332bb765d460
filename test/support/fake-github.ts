// A stand-in for GitHub's REST API on 127.0.0.1 (optionally under an Enterprise Server prefix such
// as /api/v3), implementing what the operator's commit statuses use: creating a commit status,
// what `benchctl rollback --pr` uses: opening a pull request, and for a GitHub App finding its installation on a repository and creating an installation
// token, with App JWTs verified against the App's public key as GitHub does. It answers as GitHub
// answers (201 with JSON, 401 Bad credentials, 404, 422 Validation Failed, rate-limit headers on
// every response), records every request, and can be told to answer the next requests otherwise.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export interface RecordedRequest {
  method: string;
  /** Without the Enterprise prefix and the query. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined without a body. */
  body: unknown;
  /** When it arrived (ms). */
  at: number;
}

/** A commit status GitHub accepted. */
export interface StoredStatus {
  repository: string;
  sha: string;
  state: string;
  context: string;
  description?: string;
  target_url?: string;
}

export interface StoredPullRequest {
  repository: string;
  title: string;
  head: string;
  base: string;
  body?: string;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeGitHubOptions {
  /** The token a request must carry (`Authorization: token …` or `Bearer …`). */
  token?: string;
  /** A GitHub App: its id, the public key of its private key, and where it is installed ("owner/repo" -> id). */
  app?: { id: string; publicKey: string; installations: Record<string, number> };
  /** Enterprise Server serves the API under /api/v3. */
  prefix?: string;
}

interface Script {
  method: string;
  path: RegExp;
  responses: ScriptedResponse[];
}

const STATES = new Set(['error', 'failure', 'pending', 'success']);
const RATE_LIMIT = 5000;
const started: FakeGitHub[] = [];

/** Closes every fake GitHub a test file started, after its tests (call at the file's top level). */
export function closeFakeGitHubsAfterAll(): void {
  afterAll(async () => {
    await Promise.all(started.splice(0).map((github) => github.close()));
  });
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly statuses: StoredStatus[] = [];
  readonly pullRequests: StoredPullRequest[] = [];
  /** Installation tokens issued, by installation id. */
  readonly issuedTokens = new Map<number, string[]>();
  /** App JWTs that failed verification, with why. */
  readonly rejectedJwts: string[] = [];
  /** While set, every request is answered 503, as during an outage. */
  unavailable = false;
  private readonly options: FakeGitHubOptions;
  private readonly publicKey: KeyObject | undefined;
  private readonly scripts: Script[] = [];
  private readonly server: Server;
  private remaining = RATE_LIMIT;
  private port = 0;

  private constructor(options: FakeGitHubOptions) {
    this.options = options;
    this.publicKey = options.app ? createPublicKey(options.app.publicKey) : undefined;
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  static async start(options: FakeGitHubOptions): Promise<FakeGitHub> {
    const github = new FakeGitHub(options);
    started.push(github);
    await new Promise<void>((resolve) => github.server.listen(0, '127.0.0.1', resolve));
    github.port = (github.server.address() as AddressInfo).port;
    return github;
  }

  /** The REST API's base URL, as configured in the operator. */
  get url(): string {
    return `http://127.0.0.1:${this.port}${this.options.prefix ?? ''}`;
  }

  /** The next requests matching method and path are answered with these responses, in order. */
  respondNext(method: string, path: RegExp, ...responses: ScriptedResponse[]): void {
    this.scripts.push({ method, path, responses });
  }

  /** Requests for commit statuses, oldest first. */
  statusRequests(): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/statuses\//.test(r.path),
    );
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://github.test');
    const prefix = this.options.prefix ?? '';
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const method = request.method ?? 'GET';
    this.requests.push({ method, path, headers: request.headers, body, at: Date.now() });
    const answer = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-limit': String(RATE_LIMIT),
        'x-ratelimit-remaining': String(Math.max(0, --this.remaining)),
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
        ...headers,
      });
      response.end(data === undefined ? '' : JSON.stringify(data));
    };
    if (this.unavailable) return answer(503, { message: 'Service Unavailable' });
    const script = this.scripts.find((s) => s.method === method && s.path.test(path));
    if (script) {
      const scripted = script.responses.shift()!;
      if (script.responses.length === 0) this.scripts.splice(this.scripts.indexOf(script), 1);
      answer(scripted.status, scripted.body, scripted.headers);
      return;
    }
    if (!prefix || url.pathname.startsWith(prefix)) {
      const status = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]+)$/.exec(path);
      if (status && method === 'POST') return this.createStatus(request, status, body, answer);
      const installation = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
      if (installation && method === 'GET') return this.findInstallation(request, installation, answer);
      const pulls = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
      if (pulls && method === 'POST') return this.createPullRequest(request, pulls, body, answer);
      const tokens = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
      if (tokens && method === 'POST') return this.createToken(request, Number(tokens[1]), answer);
    }
    answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  private createStatus(
    request: IncomingMessage,
    [, owner, repo, sha]: RegExpExecArray,
    body: unknown,
    answer: (status: number, data: unknown) => void,
  ): void {
    if (this.refusedCredentials(request, answer)) return;
    const fields = (body ?? {}) as Partial<StoredStatus>;
    if (!STATES.has(fields.state ?? '') || (fields.description ?? '').length > 140)
      return answer(422, { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'invalid' }] });
    const stored: StoredStatus = {
      repository: `${owner}/${repo}`,
      sha: sha!,
      state: fields.state!,
      context: fields.context ?? 'default',
      ...(fields.description !== undefined ? { description: fields.description } : {}),
      ...(fields.target_url !== undefined ? { target_url: fields.target_url } : {}),
    };
    this.statuses.push(stored);
    answer(201, {
      id: this.statuses.length,
      url: `${this.url}/repos/${owner}/${repo}/statuses/${sha}`,
      ...stored,
    });
  }

  private createPullRequest(
    request: IncomingMessage,
    [, owner, repo]: RegExpExecArray,
    body: unknown,
    answer: (status: number, data: unknown) => void,
  ): void {
    if (this.refusedCredentials(request, answer)) return;
    const fields = (body ?? {}) as Partial<StoredPullRequest>;
    if (!fields.title || !fields.head || !fields.base || fields.head === fields.base)
      return answer(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', code: 'invalid' }],
      });
    const number = this.pullRequests.length + 1;
    this.pullRequests.push({
      repository: `${owner}/${repo}`,
      title: fields.title,
      head: fields.head,
      base: fields.base,
      ...(fields.body !== undefined ? { body: fields.body } : {}),
    });
    answer(201, { number, html_url: `https://github.test/${owner}/${repo}/pull/${number}`, state: 'open' });
  }

  /**
   * Answers 401 Bad credentials, as GitHub does, unless the request carries the configured token or
   * an installation token issued here; says whether it did.
   */
  private refusedCredentials(
    request: IncomingMessage,
    answer: (status: number, data: unknown) => void,
  ): boolean {
    const token = /^(?:token|bearer) (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const installationTokens = [...this.issuedTokens.values()].flat();
    if (token !== undefined && (token === this.options.token || installationTokens.includes(token)))
      return false;
    answer(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    return true;
  }

  private findInstallation(
    request: IncomingMessage,
    [, owner, repo]: RegExpExecArray,
    answer: (status: number, data: unknown) => void,
  ): void {
    if (!this.verifiedJwt(request)) return answer(401, { message: 'A JSON web token could not be decoded' });
    const id = this.options.app!.installations[`${owner}/${repo}`];
    if (id === undefined) return answer(404, { message: 'Not Found' });
    answer(200, { id, app_id: Number(this.options.app!.id), account: { login: owner } });
  }

  private createToken(
    request: IncomingMessage,
    installation: number,
    answer: (status: number, data: unknown) => void,
  ): void {
    if (!this.verifiedJwt(request)) return answer(401, { message: 'A JSON web token could not be decoded' });
    if (!Object.values(this.options.app!.installations).includes(installation))
      return answer(404, { message: 'Not Found' });
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.issuedTokens.set(installation, [...(this.issuedTokens.get(installation) ?? []), token]);
    answer(201, {
      token,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      permissions: { statuses: 'write' },
      repository_selection: 'all',
    });
  }

  /** An RS256 JWT signed by the App's private key, issued by the App, valid now, for at most 10 minutes. */
  private verifiedJwt(request: IncomingMessage): boolean {
    const jwt = /^bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const reject = (why: string) => {
      this.rejectedJwts.push(why);
      return false;
    };
    if (!this.options.app || !this.publicKey) return reject('no GitHub App is configured');
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return reject('not a JWT');
    const decode = (part: string) =>
      JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (decode(header).alg !== 'RS256') return reject('not RS256');
    if (
      !verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        this.publicKey,
        Buffer.from(signature, 'base64url'),
      )
    )
      return reject('signature does not verify');
    const claims = decode(payload);
    const now = Date.now() / 1000;
    if (String(claims.iss) !== this.options.app.id) return reject(`issuer ${String(claims.iss)}`);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (!(iat <= now + 60 && exp > now && exp - iat <= 660)) return reject(`times iat=${iat} exp=${exp}`);
    return true;
  }
}
