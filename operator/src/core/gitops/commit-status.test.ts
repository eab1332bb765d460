import { describe, expect, it } from 'vitest';
import {
  changedSince,
  commitShaOf,
  commitStatusesOf,
  oneLine,
  parseRepository,
  roundDescription,
  validTargetURL,
  type SuiteView,
} from './commit-status.ts';

const SHA = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);
const options = {
  contextPrefix: 'bench',
  repository: { owner: 'acme', repo: 'evals' },
  allowed: [
    { owner: 'acme', repo: 'evals' },
    { owner: 'other', repo: '*' },
  ],
};

type Status = NonNullable<SuiteView['status']>;

function suite(status: Status, annotations: Record<string, string> = {}): SuiteView {
  return { metadata: { namespace: 'team', name: 'nightly', annotations }, status };
}

const running = (round: number, revision = `main@sha1:${SHA}`): Status => ({
  round,
  sourceRevision: revision,
  lastScheduleTime: '2026-12-01T10:00:00Z',
  summary: { total: 3, running: 3 },
});

const completed = (round: number, failed = 0, revision = `main@sha1:${SHA}`): Status => ({
  ...running(round, revision),
  completionTime: '2026-12-01T11:00:00Z',
  summary: { total: 3, succeeded: 3 - failed, failed },
  runs: [
    {
      name: 'a',
      benchmark: 'mmlu',
      target: 'big',
      model: 'gpt-4o',
      state: 'Succeeded',
      result: { score: 0.871 },
    },
    { name: 'b', benchmark: 'mmlu', target: 'small', state: 'Succeeded', result: { score: 0.5 } },
    {
      name: 'c',
      benchmark: 'mmlu',
      target: 'other',
      model: 'claude',
      state: failed ? 'Failed' : 'Succeeded',
      result: { score: 0.99 },
    },
  ] as Status['runs'],
});

describe('commitShaOf', () => {
  it.each([
    [`main@sha1:${SHA}`, SHA],
    [`sha1:${SHA.toUpperCase()}`, SHA],
    [SHA, SHA],
    [`main/${SHA}`, SHA],
    [`main@sha256:${'c'.repeat(64)}`, 'c'.repeat(64)],
  ])('finds the commit in %s', (revision, sha) => {
    expect(commitShaOf(revision)).toBe(sha);
  });

  it.each([undefined, '', 'v1.2.0', `sha256:${'c'.repeat(64)}`, 'main@sha1:abc', 'a'.repeat(39)])(
    'finds none in %s',
    (revision) => {
      expect(commitShaOf(revision)).toBeUndefined();
    },
  );
});

describe('settings', () => {
  it('parses owner/repo and rejects anything else', () => {
    expect(parseRepository('acme/evals.git')).toEqual({ owner: 'acme', repo: 'evals' });
    expect(parseRepository('acme')).toBeUndefined();
    expect(parseRepository('acme/..')).toBeUndefined();
    expect(parseRepository('https://github.com/acme/evals')).toBeUndefined();
  });

  it('accepts http(s) target URL templates only', () => {
    expect(validTargetURL('https://grafana.example/d/x?suite={namespace}/{name}&round={round}')).toBe(true);
    expect(validTargetURL('ftp://example/{name}')).toBe(false);
    expect(validTargetURL('{name}')).toBe(false);
  });
});

describe('descriptions', () => {
  it('counts the runs and names the best scored one, by model or else target', () => {
    expect(roundDescription(completed(1, 1))).toBe('2/3 runs succeeded; best score gpt-4o 0.87');
    expect(roundDescription(completed(1))).toBe('3/3 runs succeeded; best score claude 0.99');
    expect(roundDescription({ summary: { total: 2, succeeded: 0, failed: 2 } })).toBe('0/2 runs succeeded');
  });

  it('keeps one line within GitHub’s 140 characters', () => {
    const long = oneLine(`first line\n${'x'.repeat(200)}`);
    expect(long).not.toContain('\n');
    expect([...long]).toHaveLength(140);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('commitStatusesOf', () => {
  it('reports a running round as pending and a completed one as success or failure, on the commit of its revision', () => {
    expect(commitStatusesOf(undefined, suite(running(2)), undefined, options).statuses).toEqual([
      {
        repository: { owner: 'acme', repo: 'evals' },
        sha: SHA,
        state: 'pending',
        context: 'bench/team/nightly',
        description: 'round 2 in progress',
      },
    ]);
    const [success] = commitStatusesOf(suite(running(2)), suite(completed(2)), undefined, options).statuses;
    expect(success).toMatchObject({
      state: 'success',
      description: '3/3 runs succeeded; best score claude 0.99',
    });
    const [failure] = commitStatusesOf(
      suite(running(2)),
      suite(completed(2, 1)),
      undefined,
      options,
    ).statuses;
    expect(failure).toMatchObject({
      state: 'failure',
      description: '2/3 runs succeeded; best score gpt-4o 0.87',
    });
  });

  it('fails the commit of a round whose regression gate failed, though every run succeeded', () => {
    const gated: Status = {
      ...completed(2),
      gates: [
        { name: 'floor', round: 2, verdict: 'Failed', message: 'mmlu: candidate 0.700 vs threshold 0.8' },
        { name: 'old', round: 1, verdict: 'Passed', message: 'earlier round' },
      ],
    };
    const [status] = commitStatusesOf(suite(running(2)), suite(gated), undefined, options).statuses;
    expect(status).toMatchObject({
      state: 'failure',
      description: 'gate floor failed: mmlu: candidate 0.700 vs threshold 0.8',
    });
    // A gate that failed on an earlier round says nothing about this one.
    const earlier: Status = { ...completed(2), gates: [{ ...gated.gates![0]!, round: 1 }] };
    expect(commitStatusesOf(suite(running(2)), suite(earlier), undefined, options).statuses[0]).toMatchObject(
      {
        state: 'success',
      },
    );
  });

  it('prefers the suite’s repository annotation and fills in the target URL', () => {
    const annotated = suite(running(1, SHA), { 'bench.dev/github-repository': 'other/repo' });
    const [status] = commitStatusesOf(undefined, annotated, undefined, {
      ...options,
      targetURL: 'https://dash.example/{namespace}/{name}?round={round}&rev={revision}',
    }).statuses;
    expect(status).toMatchObject({
      repository: { owner: 'other', repo: 'repo' },
      targetURL: `https://dash.example/team/nightly?round=1&rev=${SHA}`,
    });
  });

  it('says why a revision cannot be reported, and reports nothing without a revision', () => {
    expect(commitStatusesOf(undefined, suite(running(1, 'v1.2.0')), undefined, options)).toEqual({
      statuses: [],
      unreportable: 'revision "v1.2.0" names no Git commit',
    });
    expect(
      commitStatusesOf(undefined, suite(running(1)), undefined, { contextPrefix: 'bench', allowed: [] })
        .unreportable,
    ).toMatch(/no GitHub repository/);
    const { sourceRevision: _, ...unrevised } = running(1);
    expect(commitStatusesOf(undefined, suite(unrevised), undefined, options)).toEqual({ statuses: [] });
  });

  it('keeps apart, as not allowed, the statuses of a repository the settings do not allow', () => {
    const stranger = (status: Status) => suite(status, { 'bench.dev/github-repository': 'Victim/Secrets' });
    expect(commitStatusesOf(stranger(running(1)), stranger(completed(1)), undefined, options)).toEqual({
      statuses: [],
      notAllowed: [
        expect.objectContaining({ repository: { owner: 'Victim', repo: 'Secrets' }, state: 'success' }),
      ],
    });
    const { statuses, notAllowed } = commitStatusesOf(
      undefined,
      suite(running(1), { 'bench.dev/github-repository': 'OTHER/anything' }),
      undefined,
      options,
    );
    expect([statuses.map((s) => s.repository), notAllowed]).toEqual([
      [{ owner: 'OTHER', repo: 'anything' }],
      undefined,
    ]);
  });

  it('marks a round replaced before it finished as error on its own commit, then reports the new one', () => {
    const { statuses } = commitStatusesOf(suite(running(1)), suite(running(2, OTHER)), undefined, options);
    expect(statuses.map((s) => [s.sha, s.state, s.description])).toEqual([
      [SHA, 'error', 'round 1 was replaced by round 2 before it finished'],
      [OTHER, 'pending', 'round 2 in progress'],
    ]);
  });

  it('marks a round whose suite was deleted as error', () => {
    expect(commitStatusesOf(suite(running(1)), undefined, undefined, options).statuses).toMatchObject([
      { sha: SHA, state: 'error', description: 'the suite was deleted before round 1 finished' },
    ]);
  });

  it('reports a stalled suite as error on the revision it would run next', () => {
    const stalled = suite({
      conditions: [
        {
          type: 'Stalled',
          status: 'True',
          reason: 'ReferenceMissing',
          message: 'ProviderPolicy openai not found',
          lastTransitionTime: '2026-12-01T10:00:00Z',
        },
      ],
    });
    expect(commitStatusesOf(undefined, stalled, OTHER, options).statuses).toMatchObject([
      { sha: OTHER, state: 'error', description: 'ReferenceMissing: ProviderPolicy openai not found' },
    ]);
  });
});

describe('changedSince', () => {
  const at = (iso: string) => Date.parse(iso);

  it('dates a round by its completion, else its start, and a stall by its transition', () => {
    expect(changedSince(suite(completed(1)), at('2026-12-01T11:00:00Z'))).toBe(true);
    expect(changedSince(suite(completed(1)), at('2026-12-01T11:00:01Z'))).toBe(false);
    expect(changedSince(suite(running(1)), at('2026-12-01T10:00:00Z'))).toBe(true);
    expect(changedSince(suite(running(1)), at('2026-12-01T10:30:00Z'))).toBe(false);
  });

  it('has nothing to say of a suite without a round, and counts an unreadable time as recent', () => {
    expect(changedSince(suite({}), 0)).toBe(false);
    expect(changedSince(suite({ round: 1 }), at('2030-01-01T00:00:00Z'))).toBe(true);
  });
});
