import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite } from '../api/index.ts';
import type { JobView } from '../core/suite/observe.ts';
import { commitOfRevision, roundsOf, withRecords } from './rounds.ts';

function job(
  round: number,
  run: string,
  attempt: number,
  outcome: 'Complete' | 'Failed' | 'Active',
  revision?: string,
): JobView {
  return {
    metadata: {
      name: `s-${round}-${run}${attempt > 1 ? `-a${attempt}` : ''}`,
      labels: {
        'bench.dev/round': String(round),
        'bench.dev/run': run,
        'bench.dev/attempt': String(attempt),
      },
      annotations: revision ? { 'bench.dev/source-revision': revision } : {},
      creationTimestamp: `2026-11-2${round}T10:00:0${attempt}Z`,
    },
    status:
      outcome === 'Active'
        ? { active: 1 }
        : {
            conditions: [
              { type: outcome, status: 'True', lastTransitionTime: `2026-11-2${round}T10:05:0${attempt}Z` },
            ],
          },
  };
}

describe('roundsOf', () => {
  it('tells each round’s revision and outcome from its Jobs (a run counts by its latest attempt), the current one from status', () => {
    const suite = {
      status: {
        round: 3,
        phase: 'Running',
        sourceRevision: 'main@sha1:ccc',
        summary: { total: 2, succeeded: 1, failed: 0 },
      },
    } as BenchmarkSuite;
    const rounds = roundsOf(suite, [
      job(1, 'a', 1, 'Complete', 'main@sha1:aaa'),
      job(1, 'b', 1, 'Failed', 'main@sha1:aaa'),
      job(2, 'a', 1, 'Complete', 'main@sha1:bbb'),
      job(2, 'b', 1, 'Failed', 'main@sha1:bbb'),
      job(2, 'b', 2, 'Complete', 'main@sha1:bbb'),
      job(3, 'a', 1, 'Complete', 'main@sha1:ccc'),
      job(3, 'b', 1, 'Active', 'main@sha1:ccc'),
    ]);
    expect(rounds).toEqual([
      {
        round: 3,
        revision: 'main@sha1:ccc',
        outcome: 'Running',
        runs: 2,
        succeeded: 1,
        failed: 0,
        startedAt: '2026-11-23T10:00:01Z',
      },
      {
        round: 2,
        revision: 'main@sha1:bbb',
        outcome: 'Succeeded',
        runs: 2,
        succeeded: 2,
        failed: 0,
        startedAt: '2026-11-22T10:00:01Z',
        finishedAt: '2026-11-22T10:05:02Z',
      },
      {
        round: 1,
        revision: 'main@sha1:aaa',
        outcome: 'Failed',
        runs: 2,
        succeeded: 1,
        failed: 1,
        startedAt: '2026-11-21T10:00:01Z',
        finishedAt: '2026-11-21T10:05:01Z',
      },
    ]);
  });

  it('shows the current round from status even when its Jobs are not there yet', () => {
    const suite = { status: { round: 1, phase: 'Pending', sourceRevision: 'abc1234' } } as BenchmarkSuite;
    expect(roundsOf(suite, [])).toEqual([
      { round: 1, revision: 'abc1234', outcome: 'Pending', runs: 0, succeeded: 0, failed: 0 },
    ]);
  });
});

describe('roundsOf with the operator’s Events', () => {
  const event = (reason: string, note: string, eventTime: string) => ({ reason, note, eventTime });

  it('tells rounds whose Jobs are gone from RoundStarted (revision) and RoundCompleted (outcome) notes', () => {
    const suite = {
      status: { round: 3, phase: 'Succeeded', sourceRevision: 'main@sha1:ccc' },
    } as BenchmarkSuite;
    const rounds = roundsOf(
      suite,
      [job(3, 'a', 1, 'Complete', 'main@sha1:ccc')],
      [
        event(
          'RoundStarted',
          'round 1 started: the suite was created (revision main@sha1:aaa1111)',
          '2026-11-21T10:00:00Z',
        ),
        event(
          'RoundCompleted',
          'round 1 completed: 1/2 runs succeeded, 1 failed, 0 blocked',
          '2026-11-21T10:05:00Z',
        ),
        event('RoundStarted', 'round 2 started: the spec changed (generation 2)', '2026-11-22T10:00:00Z'),
        event('RoundCompleted', 'round 2 completed: 2/2 runs succeeded', '2026-11-22T10:05:00Z'),
        event(
          'RoundStarted',
          'round 3 started: a re-run was requested (revision main@sha1:ccc)',
          '2026-11-23T10:00:00Z',
        ),
        event('RunAdmitted', 'round 9 started: not a round event', '2026-11-23T10:00:00Z'),
      ],
    );
    expect(rounds.map((r) => [r.round, r.outcome, r.revision, `${r.succeeded}/${r.runs}`, r.failed])).toEqual(
      [
        [3, 'Succeeded', 'main@sha1:ccc', '1/1', 0],
        [2, 'Succeeded', undefined, '2/2', 0],
        [1, 'Failed', 'main@sha1:aaa1111', '1/2', 1],
      ],
    );
    expect(rounds[2]).toMatchObject({
      startedAt: '2026-11-21T10:00:00Z',
      finishedAt: '2026-11-21T10:05:00Z',
    });
  });

  it('calls a round that started and never completed (replaced) Unknown', () => {
    const rounds = roundsOf(
      undefined,
      [],
      [event('RoundStarted', 'round 4 started: the spec changed', '2026-11-21T10:00:00Z')],
    );
    expect(rounds).toEqual([
      { round: 4, outcome: 'Unknown', runs: 0, succeeded: 0, failed: 0, startedAt: '2026-11-21T10:00:00Z' },
    ]);
  });
});

describe('commitOfRevision', () => {
  it.each([
    ['main@sha1:4f1c2d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c', '4f1c2d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c'],
    ['4f1c2d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c', '4f1c2d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c'],
    ['sha1:4f1c2d5', '4f1c2d5'],
    ['v1.2.0@sha1:4f1c2d5e', '4f1c2d5e'],
    ['main', undefined],
    ['release-1', undefined],
  ])('%s names commit %s', (revision, commit) => expect(commitOfRevision(revision)).toBe(commit));
});

describe('withRecords', () => {
  it('tells a round by its BenchmarkRound record where there is one, the others as found', () => {
    const found = [
      { round: 3, outcome: 'Running', runs: 2, succeeded: 0, failed: 0 },
      { round: 2, outcome: 'Unknown', runs: 0, succeeded: 0, failed: 0 },
    ];
    const record = {
      spec: {
        suite: 's',
        round: 2,
        phase: 'Failed' as const,
        sourceRevision: 'main@sha1:abc1234',
        startTime: '2026-11-22T10:00:00Z',
        completionTime: '2026-11-22T10:05:00Z',
        runs: [
          { name: 'a', benchmark: 'b', target: 'a', state: 'Succeeded' as const, attempt: 1 },
          { name: 'c', benchmark: 'b', target: 'c', state: 'Blocked' as const, attempt: 0 },
        ],
      },
    };
    const older = { spec: { suite: 's', round: 1, phase: 'Succeeded' as const } };
    expect(withRecords(found, [older, record])).toEqual([
      found[0],
      {
        round: 2,
        revision: 'main@sha1:abc1234',
        outcome: 'Failed',
        runs: 2,
        succeeded: 1,
        failed: 1,
        startedAt: '2026-11-22T10:00:00Z',
        finishedAt: '2026-11-22T10:05:00Z',
      },
      { round: 1, outcome: 'Succeeded', runs: 0, succeeded: 0, failed: 0 },
    ]);
  });
});
