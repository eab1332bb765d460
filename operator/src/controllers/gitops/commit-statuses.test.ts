// The reporter between suites' status changes and GitHub: which statuses reach the fake GitHub on
// loopback (test/support/fake-github.ts) through the real client, when, and what happens to those
// GitHub refuses or cannot take: logged without the token, counted, retried or given up.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { closeFakeGitHubsAfterAll, FakeGitHub } from '../../../../test/support/fake-github.ts';
import { commitStatusClient } from '../../gitops/github-client.ts';
import { commitStatusMetrics } from '../../gitops/metrics.ts';
import { StatusOutbox } from '../../gitops/status-outbox.ts';
import type { EventRecord } from '../../runtime/events/event.ts';
import { FakeClock } from '../../runtime/time/fake-clock.ts';
import type { SuiteObject } from '../caches.ts';
import {
  CommitStatusReporter,
  GIVE_UP_AFTER_MS,
  RESTART_HORIZON_MS,
  WAITING_PER_SUITE,
} from './commit-statuses.ts';

closeFakeGitHubsAfterAll();

const TOKEN = 'ghp_reportertoken0123456789abcdef';
const SHA = '1111111111111111111111111111111111111111';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const STATUSES = /^\/repos\/acme\/evals\/statuses\//;

type Status = NonNullable<SuiteObject['status']>;

function suite(
  name: string,
  status: Status,
  revision = `main@sha1:${SHA}`,
  metadata: { generation?: number; annotations?: Record<string, string> } = {},
): SuiteObject {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: {
      namespace: 'team',
      name,
      uid: `uid-${name}`,
      generation: metadata.generation ?? 1,
      annotations: { 'bench.dev/source-revision': revision, ...metadata.annotations },
    },
    spec: {
      runner: { image: 'runner' },
      targets: [{ name: 'big', providerRef: 'openai', model: 'gpt-4o' }],
      benchmarks: [{ name: 'mmlu' }],
    },
    status,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const running = (round: number, startedAt = NOW): Status => ({
  round,
  sourceRevision: `main@sha1:${SHA}`,
  lastScheduleTime: iso(startedAt),
  summary: { total: 2, running: 2 },
});
const completed = (round: number, failed: number, at = NOW): Status => ({
  ...running(round, at - 60_000),
  completionTime: iso(at),
  summary: { total: 2, succeeded: 2 - failed, failed },
  runs: [
    {
      name: 'a',
      benchmark: 'mmlu',
      target: 'big',
      model: 'gpt-4o',
      state: 'Succeeded',
      result: { score: 0.87 },
    },
    {
      name: 'b',
      benchmark: 'mmlu',
      target: 'small',
      model: 'gpt-4o-mini',
      state: failed ? 'Failed' : 'Succeeded',
    },
  ] as Status['runs'],
});

let logs: string[];

function reporter(github: FakeGitHub, suites = new Map<string, SuiteObject>()) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const registry = new Registry();
  const outbox = new StatusOutbox(WAITING_PER_SUITE);
  const clock = new FakeClock(NOW);
  const enqueued: string[] = [];
  const events: EventRecord[] = [];
  const instance = new CommitStatusReporter({
    client: commitStatusClient(
      { baseURL: github.url, credentials: { kind: 'token', token: TOKEN }, timeoutMs: 10_000 },
      logger,
    ),
    config: {
      repository: { owner: 'acme', repo: 'evals' },
      allowed: [
        { owner: 'acme', repo: 'evals' },
        { owner: 'friends', repo: '*' },
      ],
      contextPrefix: 'bench',
    },
    suites,
    enqueue: (key) => enqueued.push(key),
    metrics: commitStatusMetrics(registry, outbox),
    events: { emit: (event) => events.push(event) },
    outbox,
    logger,
    clock,
  });
  const metric = async (labels: string) => {
    const text = await registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`bench_github_statuses_total{${labels}}`));
    return Number(line?.split(' ').pop());
  };
  return { reporter: instance, enqueued, events, clock, outbox, metric, suites };
}

const signal = new AbortController().signal;
const posted = (github: FakeGitHub) => github.statusRequests().map((r) => r.body);

beforeEach(() => {
  logs = [];
  return () => expect(logs.join(''), 'the token is never logged').not.toContain(TOKEN);
});

describe('CommitStatusReporter', () => {
  it('creates pending when a round starts and the outcome when it completes, each once', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const { reporter: r, enqueued, metric } = reporter(github);
    r.observe(suite('nightly', {}), suite('nightly', running(1)));
    r.observe(suite('nightly', running(1)), suite('nightly', { ...running(1), progress: '1/2' }));
    expect(enqueued).toEqual(['team/nightly']);
    expect(await r.deliver('team/nightly', signal)).toEqual({});
    r.observe(suite('nightly', running(1)), suite('nightly', completed(1, 1)));
    r.observe(suite('nightly', completed(1, 1)), suite('nightly', completed(1, 1)));
    await r.deliver('team/nightly', signal);
    expect(posted(github)).toEqual([
      { state: 'pending', context: 'bench/team/nightly', description: 'round 1 in progress' },
      {
        state: 'failure',
        context: 'bench/team/nightly',
        description: '1/2 runs succeeded; best score gpt-4o 0.87',
      },
    ]);
    expect(github.statusRequests().every((r) => r.path === `/repos/acme/evals/statuses/${SHA}`)).toBe(true);
    expect(await metric('state="pending",result="created"')).toBe(1);
    expect(await metric('state="failure",result="created"')).toBe(1);
  });

  it('logs and counts a status GitHub refuses, does not retry it, and goes on with the next', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const { reporter: r, metric } = reporter(github);
    github.respondNext('POST', STATUSES, { status: 422, body: { message: 'No commit found for SHA' } });
    r.observe(suite('nightly', {}), suite('nightly', running(1)));
    expect(await r.deliver('team/nightly', signal)).toEqual({});
    r.observe(suite('nightly', running(1)), suite('nightly', completed(1, 0)));
    expect(await r.deliver('team/nightly', signal)).toEqual({});
    expect(posted(github).map((b) => (b as { state: string }).state)).toEqual(['pending', 'success']);
    expect(github.statuses.map((s) => s.state)).toEqual(['success']);
    expect(await metric('state="pending",result="rejected"')).toBe(1);
    const refused = logs.filter((l) => l.includes('GitHub rejected the commit status'));
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0]!)).toMatchObject({
      level: 50,
      suite: 'team/nightly',
      repository: 'acme/evals',
      sha: SHA,
      state: 'pending',
      status: 422,
    });
  });

  it('retries a status GitHub cannot take later, with backoff, and gives up after a day, logged and counted', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const { reporter: r, clock, outbox, metric } = reporter(github);
    const unavailable = { status: 503, body: { message: 'Service Unavailable' } };
    // octokit tries each attempt four times.
    github.respondNext('POST', STATUSES, ...Array.from({ length: 8 }, () => unavailable));
    r.observe(suite('nightly', {}), suite('nightly', running(1)));
    const retry = await r.deliver('team/nightly', signal);
    expect(retry.requeueAfterMs).toBeGreaterThan(0);
    expect(outbox.size()).toBe(1);
    expect(logs.some((l) => l.includes('commit status not created yet'))).toBe(true);
    clock.advance(GIVE_UP_AFTER_MS);
    expect(await r.deliver('team/nightly', signal)).toEqual({});
    expect(outbox.size()).toBe(0);
    expect(github.statusRequests()).toHaveLength(8);
    expect(github.statuses).toEqual([]);
    expect(await metric('state="pending",result="failed"')).toBe(1);
    expect(logs.filter((l) => l.includes('given up'))).toHaveLength(1);
  }, 120_000);

  it('keeps at most the bound waiting per suite, dropping the oldest, logged and counted', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const { reporter: r, outbox, metric } = reporter(github);
    for (let i = 0; i <= WAITING_PER_SUITE; i++) {
      const sha = String(i).padStart(40, 'a');
      r.observe(undefined, suite('nightly', { ...running(i + 1), sourceRevision: sha }, sha));
    }
    expect(outbox.size()).toBe(WAITING_PER_SUITE);
    expect(await metric('state="pending",result="dropped"')).toBe(1);
    expect(logs.filter((l) => l.includes('commit status dropped'))).toHaveLength(1);
  });

  it('as a new leader, reports again what changed within the horizon and nothing older', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const suites = new Map([
      ['team/recent', suite('recent', completed(3, 0, NOW - 10 * 60_000))],
      ['team/old', suite('old', completed(2, 0, NOW - RESTART_HORIZON_MS - 60_000))],
    ]);
    const { reporter: r } = reporter(github, suites);
    await r.deliver('team/recent', signal);
    await r.deliver('team/old', signal);
    expect(github.statuses.map((s) => [s.context, s.state])).toEqual([['bench/team/recent', 'success']]);
    // Once derived, only changes are reported.
    await r.deliver('team/recent', signal);
    expect(github.statuses).toHaveLength(1);
  });

  it('reports nothing for a revision without a commit, saying so once at debug level', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const { reporter: r, enqueued } = reporter(github);
    const helm = (status: Status) => suite('chart', { ...status, sourceRevision: '1.4.0' }, '1.4.0');
    r.observe(helm({}), helm(running(1)));
    r.observe(helm(running(1)), helm(completed(1, 0)));
    expect(enqueued).toEqual([]);
    const lines = logs.filter((l) => l.includes('no commit status for the suite'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 20, why: 'revision "1.4.0" names no Git commit' });
  });

  it('sends nothing to a repository that is not allowed: a Warning Event once per generation, a warning, a count', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const { reporter: r, enqueued, events, outbox, metric } = reporter(github);
    const victim = { annotations: { 'bench.dev/github-repository': 'victim/secrets' } };
    const at = (status: Status, generation = 1) =>
      suite('deputy', status, `main@sha1:${SHA}`, { ...victim, generation });
    r.observe(at({}), at(running(1)));
    r.observe(at(running(1)), at({ ...running(1), progress: '1/2' }));
    r.observe(at(running(1)), at(completed(1, 0)));
    expect(enqueued).toEqual([]);
    expect(outbox.size()).toBe(0);
    expect(events).toEqual([
      {
        regarding: expect.objectContaining({
          kind: 'BenchmarkSuite',
          namespace: 'team',
          name: 'deputy',
        }) as unknown,
        type: 'Warning',
        reason: 'CommitStatusRepositoryNotAllowed',
        action: 'CreateCommitStatus',
        note: expect.stringMatching(/victim\/secrets.*--gitops-allowed-repositories/) as unknown,
      },
    ]);
    expect(logs.filter((l) => l.includes('no commit status is posted to victim/secrets'))).toHaveLength(1);
    expect(await metric('state="pending",result="not_allowed"')).toBe(1);
    expect(await metric('state="success",result="not_allowed"')).toBe(1);
    // A new generation is told again.
    r.observe(at(completed(1, 0)), at(running(2), 2));
    expect(events).toHaveLength(2);
    expect(github.requests).toEqual([]);
  });

  it('reports to a repository an owner/* pattern allows, whatever its case', async () => {
    const github = await FakeGitHub.start({ token: TOKEN });
    const { reporter: r, events } = reporter(github);
    const friend = { annotations: { 'bench.dev/github-repository': 'Friends/Models' } };
    r.observe(undefined, suite('friendly', running(1), `main@sha1:${SHA}`, friend));
    await r.deliver('team/friendly', signal);
    expect(github.statuses.map((s) => [s.repository, s.state])).toEqual([['Friends/Models', 'pending']]);
    expect(events).toEqual([]);
  });
});
