// Commit statuses on GitHub (docs/gitops.md#commit-statuses-on-github): the real operator, with
// the --gitops-github-* flags and its token in a Secret of its namespace, reports each suite's
// round on the commit of its revision to a fake GitHub on loopback (test/support/fake-github.ts):
// pending when the round starts, then success or failure with the run counts and the best score,
// as the suite's status shows them. The Flux revision form (ref@sha1:…) and Argo CD's bare SHA,
// the default repository and the per-suite annotation, a 502 retried; the token never logged. A
// status GitHub could not take before the operator stopped is reported by the next operator. A
// suite whose annotation names a repository --gitops-allowed-repositories does not allow gets no
// status (nothing reaches GitHub) and a Warning Event; a malformed allow-list stops the operator.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { metricValue } from '../support/audit-operator.ts';
import { eventsFor } from '../support/events.ts';
import { closeFakeGitHubsAfterAll, FakeGitHub, type RecordedRequest } from '../support/fake-github.ts';
import { kubectl, kubectlApply } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll, type OperatorProcess } from '../support/operator.ts';
import { waitForSuite, type SuiteStatusView, applyHealthyProvider } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('ghstatus');
stopOperatorsAfterAll();
closeFakeGitHubsAfterAll();

const TOKEN = `ghp_${'e2e'.repeat(12)}`;
const SECRET = 'github-credentials';
const PASSING_SHA = '5e1f0c2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const FAILING_SHA = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
const RESTARTED_SHA = 'fedcba9876543210fedcba9876543210fedcba98';
const APP_SHA = '31337aaaa31337bbbb31337cccc31337dddd3133';
const DEPUTY_SHA = 'd3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3';

let github: FakeGitHub;
let operator: OperatorProcess;

function suite(name: string, annotations: Record<string, string>, targets: unknown[]): string {
  return stringify({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name, annotations },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0', resources: { requests: { cpu: '10m' } } },
      targets,
      benchmarks: [{ name: 'mmlu' }],
    },
  });
}

/** The best scored run of the status, as the description names it, computed here from the status. */
function bestScore(status: SuiteStatusView): string {
  const scored = (status.runs ?? []).filter(
    (r) => r.state === 'Succeeded' && typeof r.result?.score === 'number',
  );
  const best = scored.reduce((a, b) => (b.result!.score! > a.result!.score! ? b : a));
  return `${best.model ?? best.target} ${Number(best.result!.score!.toFixed(2))}`;
}

/** The status requests GitHub received for a context, once the last has the expected state. */
function statusRequestsFor(context: string, finalState: string): Promise<RecordedRequest[]> {
  return waitFor(
    `GitHub to receive a ${finalState} status for ${context}`,
    () => {
      const requests = github
        .statusRequests()
        .filter((r) => (r.body as { context?: string }).context === context);
      const states = github.statuses.filter((s) => s.context === context).map((s) => s.state);
      return { done: states.at(-1) === finalState, value: requests, seen: requests.map((r) => r.body) };
    },
    { timeoutMs: 120_000 },
  );
}

function startReportingOperator(
  ns: string,
  which: string,
  secret = SECRET,
  url = github.url,
): OperatorProcess {
  return startOperator({
    namespaces: [ns],
    identity: `ghstatus-${which}-${ns}`,
    extraArgs: [
      `--gitops-github-secret=${secret}`,
      `--gitops-github-url=${url}`,
      '--gitops-github-repository=acme/evals',
      // Suites may name acme's other repositories (acme/models below), and no one else's.
      '--gitops-allowed-repositories=acme/*',
      '--gitops-github-target-url=https://grafana.example/d/bench?suite={namespace}/{name}&round={round}',
      '--gitops-github-timeout=10s',
    ],
  });
}

beforeAll(async () => {
  const ns = namespace();
  github = await FakeGitHub.start({ token: TOKEN });
  // GitHub answers the first status with a 502: octokit tries again.
  github.respondNext('POST', /\/statuses\//, { status: 502, body: { message: 'Server Error' } });
  await kubectl(['create', 'secret', 'generic', SECRET, `--from-literal=token=${TOKEN}`], { namespace: ns });
  await applyHealthyProvider(ns, 4);
  operator = startReportingOperator(ns, 'first');
  await operator.metricsPort();
});

describe('commit statuses on GitHub', () => {
  it('reports a round as pending, then success with its counts and best score, on the commit of a Flux revision', async () => {
    const ns = namespace();
    await kubectlApply(
      suite('passing', { 'bench.dev/source-revision': `main@sha1:${PASSING_SHA}` }, [
        { name: 'big', providerRef: 'solo', model: 'gpt-4o' },
        { name: 'small', providerRef: 'solo', model: 'gpt-4o-mini' },
      ]),
      { namespace: ns },
    );
    const status = await waitForSuite(ns, 'passing', (s) => s.phase === 'Succeeded', 120_000);
    const context = `bench-operator/${ns}/passing`;
    const requests = await statusRequestsFor(context, 'success');
    const targetURL = `https://grafana.example/d/bench?suite=${ns}/passing&round=1`;
    const pending = { state: 'pending', context, description: 'round 1 in progress', target_url: targetURL };
    const success = {
      state: 'success',
      context,
      description: `2/2 runs succeeded; best score ${bestScore(status)}`,
      target_url: targetURL,
    };
    // The first, answered 502, is made again.
    expect(requests.map((r) => r.body)).toEqual([pending, pending, success]);
    expect(github.statuses.filter((s) => s.context === context).map((s) => s.state)).toEqual([
      'pending',
      'success',
    ]);
    for (const request of requests) {
      expect(request.path).toBe(`/repos/acme/evals/statuses/${PASSING_SHA}`);
      expect(request.headers.authorization).toBe(`token ${TOKEN}`);
    }
    expect(await metricValue(operator, 'bench_github_statuses_total{state="success",result="created"}')).toBe(
      1,
    );
    expect(readFileSync(operator.logFile, 'utf8')).not.toContain(TOKEN);
  });

  it('reports a round with a failed run as failure, in the repository of the suite’s annotation, on an Argo CD revision', async () => {
    const ns = namespace();
    await kubectlApply(
      suite(
        'failing',
        { 'bench.dev/source-revision': FAILING_SHA, 'bench.dev/github-repository': 'acme/models' },
        [
          { name: 'big', providerRef: 'solo', model: 'gpt-4o' },
          { name: 'broken', providerRef: 'solo', model: 'm', parameters: { 'kwok.exit-code': '2' } },
        ],
      ),
      { namespace: ns },
    );
    const status = await waitForSuite(
      ns,
      'failing',
      (s) => s.phase === 'Failed' && !!s.completionTime,
      120_000,
    );
    const context = `bench-operator/${ns}/failing`;
    await statusRequestsFor(context, 'failure');
    expect(github.statuses.filter((s) => s.context === context)).toEqual([
      {
        repository: 'acme/models',
        sha: FAILING_SHA,
        state: 'pending',
        context,
        description: 'round 1 in progress',
        target_url: `https://grafana.example/d/bench?suite=${ns}/failing&round=1`,
      },
      {
        repository: 'acme/models',
        sha: FAILING_SHA,
        state: 'failure',
        context,
        description: `1/2 runs succeeded; best score ${bestScore(status)}`,
        target_url: `https://grafana.example/d/bench?suite=${ns}/failing&round=1`,
      },
    ]);
    expect(readFileSync(operator.logFile, 'utf8')).not.toContain(TOKEN);
  });

  it('posts nothing for a suite naming a repository that is not allowed, and tells the suite with a Warning Event', async () => {
    const ns = namespace();
    await kubectlApply(
      suite(
        'deputy',
        { 'bench.dev/source-revision': DEPUTY_SHA, 'bench.dev/github-repository': 'victim/secrets' },
        [{ name: 'big', providerRef: 'solo', model: 'gpt-4o' }],
      ),
      { namespace: ns },
    );
    // Its runs run as any suite's.
    await waitForSuite(ns, 'deputy', (s) => s.phase === 'Succeeded', 120_000);
    // The round's outcome has been derived: refused (counted), or, were any repository allowed, sent.
    const forDeputy = () =>
      github.requests.filter(
        (r) => r.path.includes(DEPUTY_SHA) || r.path.toLowerCase().startsWith('/repos/victim/'),
      );
    await waitFor('the success status of deputy refused or sent', async () => {
      const refused = await metricValue(
        operator,
        'bench_github_statuses_total{state="success",result="not_allowed"}',
      );
      return { done: refused === 1 || forDeputy().length > 0, seen: { refused, sent: forDeputy().length } };
    });
    expect(forDeputy(), 'requests to GitHub for the suite').toEqual([]);
    const events = await waitFor('a CommitStatusRepositoryNotAllowed Warning on bs/deputy', async () => {
      const all = await eventsFor('BenchmarkSuite', 'deputy', ns);
      return {
        done: all.some((e) => e.reason === 'CommitStatusRepositoryNotAllowed'),
        value: all.filter((e) => e.reason === 'CommitStatusRepositoryNotAllowed'),
        seen: all.map((e) => `${e.type} ${e.reason}`),
      };
    });
    // Once for the suite's generation, though its round was both pending and successful.
    expect(events).toEqual([
      {
        type: 'Warning',
        reason: 'CommitStatusRepositoryNotAllowed',
        note: expect.stringMatching(/victim\/secrets.*--gitops-allowed-repositories/) as unknown,
        count: 1,
      },
    ]);
    const told = (await kubectl(['events', '--for', 'bs/deputy', '--types=Warning'], { namespace: ns }))
      .stdout;
    expect(told).toMatch(/CommitStatusRepositoryNotAllowed/);
    expect(readFileSync(operator.logFile, 'utf8')).toMatch(
      /"suite":"[^"]+\/deputy".*no commit status is posted to victim\/secrets/,
    );
  });

  it('does not start with a malformed allow-list, saying which pattern and why', async () => {
    const ns = namespace();
    const broken = startOperator({
      namespaces: [ns],
      identity: `ghstatus-broken-${ns}`,
      extraArgs: [
        `--gitops-github-secret=${SECRET}`,
        '--gitops-github-repository=acme/evals',
        '--gitops-allowed-repositories=acme/*,*/*',
      ],
    });
    const code = await waitFor('the operator to exit', () => ({
      done: broken.child.exitCode !== null,
      value: broken.child.exitCode,
      seen: 'still running',
    }));
    expect(code).toBe(1);
    expect(readFileSync(broken.logFile, 'utf8')).toContain(
      'GitHub allowed repositories (--gitops-allowed-repositories) must be owner/repo or owner/* patterns, comma-separated: "*/*": the owner cannot be *; list each owner as owner/*',
    );
  });

  it('is reported by the next operator when the previous one stopped before GitHub took it', async () => {
    const ns = namespace();
    const context = `bench-operator/${ns}/restarted`;
    github.unavailable = true;
    await kubectlApply(
      suite('restarted', { 'bench.dev/source-revision': `main@sha1:${RESTARTED_SHA}` }, [
        { name: 'big', providerRef: 'solo', model: 'gpt-4o' },
      ]),
      { namespace: ns },
    );
    const status = await waitForSuite(ns, 'restarted', (s) => s.phase === 'Succeeded', 120_000);
    await waitFor(`the operator to try the success status of ${context} while GitHub is down`, () => {
      const tried = github
        .statusRequests()
        .filter((r) => (r.body as { context?: string }).context === context);
      return {
        done: tried.some((r) => (r.body as { state: string }).state === 'success'),
        seen: tried.map((r) => r.body),
      };
    });
    expect(await operator.stop()).toBe(0);
    github.unavailable = false;
    operator = startReportingOperator(ns, 'second');
    await statusRequestsFor(context, 'success');
    expect(github.statuses.filter((s) => s.context === context)).toEqual([
      {
        repository: 'acme/evals',
        sha: RESTARTED_SHA,
        state: 'success',
        context,
        description: `1/1 runs succeeded; best score ${bestScore(status)}`,
        target_url: `https://grafana.example/d/bench?suite=${ns}/restarted&round=1`,
      },
    ]);
  });

  it('reports as a GitHub App from its Secret: installation looked up, JWT signed with its key, installation token used', async () => {
    const ns = namespace();
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const appGitHub = await FakeGitHub.start({
      app: { id: '31337', publicKey: keys.publicKey, installations: { 'acme/evals': 9001 } },
    });
    await kubectl(['apply', '-f', '-'], {
      namespace: ns,
      input: stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'github-app' },
        stringData: { appId: '31337', privateKey: keys.privateKey },
      }),
    });
    expect(await operator.stop()).toBe(0);
    operator = startReportingOperator(ns, 'app', 'github-app', appGitHub.url);
    await kubectlApply(
      suite('app-reported', { 'bench.dev/source-revision': `main@sha1:${APP_SHA}` }, [
        { name: 'big', providerRef: 'solo', model: 'gpt-4o' },
      ]),
      { namespace: ns },
    );
    await waitForSuite(ns, 'app-reported', (s) => s.phase === 'Succeeded', 120_000);
    const context = `bench-operator/${ns}/app-reported`;
    await waitFor(`the App's success status for ${context}`, () => ({
      done: appGitHub.statuses.some((s) => s.context === context && s.state === 'success'),
      seen: appGitHub.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`),
    }));
    expect(appGitHub.rejectedJwts).toEqual([]);
    // The new operator also reports again this namespace's earlier rounds (finished within the
    // hour): the installation is looked up once per repository and its token reused.
    const calls = appGitHub.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls.filter((c) => c === 'GET /repos/acme/evals/installation')).toHaveLength(1);
    const firstStatus = calls.findIndex((c) => c.startsWith('POST /repos/acme/evals/statuses/'));
    expect(calls.indexOf('POST /app/installations/9001/access_tokens')).toBeLessThan(firstStatus);
    const tokens = appGitHub.issuedTokens.get(9001)!;
    const token = tokens[0]!;
    for (const request of appGitHub.statusRequests())
      expect(tokens.map((t) => `token ${t}`)).toContain(request.headers.authorization);
    const log = readFileSync(operator.logFile, 'utf8');
    expect(log).not.toContain(token);
    expect(log).not.toContain('PRIVATE KEY');
  });
});
