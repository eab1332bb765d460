import { describe, expect, it } from 'vitest';
import type { RunStatusEntry } from '../suite/run-state.ts';
import { decisionId } from './record.ts';
import {
  roundCompleted,
  roundStarted,
  runOutcomes,
  runStopped,
  suiteRef,
  suiteStalled,
  type SuiteSubject,
} from './suite.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const suite = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { namespace: 'ns', name: 'nightly', uid: 'u-1' },
};
const subject: SuiteSubject = { ref: suiteRef(suite), round: 3, revision: 'main@sha1:abc' };

function entry(
  name: string,
  state: RunStatusEntry['state'],
  attempt: number,
  extra: Partial<RunStatusEntry> = {},
) {
  const [benchmark, target] = name.split('-') as [string, string];
  return { name, benchmark, target, state, attempt, ...extra };
}

const reasons = (records: Array<{ reason: string; facts: { attempt?: number } }>) =>
  records.map((r) => `${r.reason}@${r.facts.attempt}`);

describe('decision ids', () => {
  it('derive from what the decision is about, never from the clock', () => {
    expect(roundStarted(subject, 'the suite was created', NOW).id).toBe('u-1/r3/RoundStarted');
    expect(roundStarted(subject, 'the suite was created', NOW + 5000).id).toBe(
      roundStarted(subject, 'x', NOW).id,
    );
    expect(decisionId('u-1', 'r3', 'mmlu-gpt', 'a2', 'RunFailed')).toBe('u-1/r3/mmlu-gpt/a2/RunFailed');
    expect(() => decisionId('', 'x')).toThrow(/uid/);
  });

  it('keep a stall for the same reason in one round and generation as one decision', () => {
    const stall = { reason: 'ReferenceMissing', message: 'ProviderPolicy p does not exist' };
    const a = suiteStalled(subject, stall, 4, undefined, NOW);
    expect(suiteStalled(subject, { ...stall, message: 'other words' }, 4, undefined, NOW + 1).id).toBe(a.id);
    expect(suiteStalled(subject, stall, 5, undefined, NOW).id).not.toBe(a.id);
    expect(a).toMatchObject({ reason: 'SuiteStalled', eventReason: 'ReferenceMissing', type: 'Warning' });
  });
});

describe('runOutcomes of an attempt that reused answers', () => {
  it('records RunResumed after the outcome, with the items and tokens not asked for again', () => {
    const done = entry('mmlu-gpt', 'Succeeded', 2, {
      job: 'nightly-3-mmlu-gpt-a2',
      result: {
        score: 0.8,
        metrics: { items: 120, reusedItems: 57, reusedInputTokens: 41_000, reusedOutputTokens: 3_200 },
      },
    });
    const records = runOutcomes(subject, [entry('mmlu-gpt', 'Running', 2)], [done], NOW);
    expect(reasons(records)).toEqual(['RunSucceeded@2', 'RunResumed@2']);
    expect(records[1]).toMatchObject({
      type: 'Normal',
      message:
        'run mmlu-gpt: attempt 2 reused 57 of 120 items answered before, without asking the provider again (41000 input and 3200 output tokens not spent again)',
      facts: { reuse: { items: 57, inputTokens: 41_000, outputTokens: 3_200 }, job: 'nightly-3-mmlu-gpt-a2' },
    });
    // Once: the same status again records nothing.
    expect(runOutcomes(subject, [done], [done], NOW)).toEqual([]);
  });

  it('records nothing of the kind when no item was reused', () => {
    const done = entry('mmlu-gpt', 'Succeeded', 1, { result: { metrics: { items: 120, reusedItems: 0 } } });
    expect(reasons(runOutcomes(subject, [entry('mmlu-gpt', 'Running', 1)], [done], NOW))).toEqual([
      'RunSucceeded@1',
    ]);
  });
});

describe('runOutcomes', () => {
  it('records nothing when no run changed, and nothing for admissions (the scheduler records those)', () => {
    const runs = [entry('mmlu-gpt', 'Running', 1), entry('gsm-gpt', 'Queued', 0)];
    expect(runOutcomes(subject, runs, runs, NOW)).toEqual([]);
    expect(
      runOutcomes(subject, [entry('mmlu-gpt', 'Queued', 0)], [entry('mmlu-gpt', 'Running', 1)], NOW),
    ).toEqual([]);
  });

  it('records a run finishing, with its result and Job', () => {
    const [record] = runOutcomes(
      subject,
      [entry('mmlu-gpt', 'Running', 1)],
      [
        entry('mmlu-gpt', 'Succeeded', 1, {
          job: 'nightly-3-mmlu-gpt',
          provider: 'openai',
          model: 'gpt-4o',
          reason: 'Succeeded',
          message: 'attempt 1 succeeded',
          result: { score: 0.8, usage: { inputTokens: 10, outputTokens: 5 } },
        }),
      ],
      NOW,
    );
    expect(record).toMatchObject({
      id: 'u-1/r3/mmlu-gpt/a1/RunSucceeded',
      type: 'Normal',
      related: { kind: 'Job', name: 'nightly-3-mmlu-gpt', namespace: 'ns' },
      message: 'run mmlu-gpt: attempt 1 succeeded',
      facts: {
        round: 3,
        revision: 'main@sha1:abc',
        attempt: 1,
        provider: 'openai',
        outcome: { state: 'Succeeded', score: 0.8, inputTokens: 10, outputTokens: 5 },
      },
    });
  });

  it('records the attempts that failed and were retried between two status writes', () => {
    expect(
      reasons(
        runOutcomes(
          subject,
          [entry('mmlu-gpt', 'Running', 1)],
          [entry('mmlu-gpt', 'Succeeded', 3, { job: 'nightly-3-mmlu-gpt-a3' })],
          NOW,
        ),
      ),
    ).toEqual(['RunRetrying@1', 'RunRetrying@2', 'RunSucceeded@3']);
    const retried = runOutcomes(
      subject,
      [entry('mmlu-gpt', 'Running', 1)],
      [entry('mmlu-gpt', 'Running', 2)],
      NOW,
    );
    expect(retried[0]).toMatchObject({
      id: 'u-1/r3/mmlu-gpt/a1/RunRetrying',
      related: { name: 'nightly-3-mmlu-gpt' },
      message: 'run mmlu-gpt: attempt 1 failed; it was retried',
    });
  });

  it('records a retry once: the Retrying status already told it', () => {
    const retrying = entry('mmlu-gpt', 'Retrying', 1, { message: 'attempt 1 failed; retrying at ...' });
    expect(reasons(runOutcomes(subject, [entry('mmlu-gpt', 'Running', 1)], [retrying], NOW))).toEqual([
      'RunRetrying@1',
    ]);
    expect(runOutcomes(subject, [retrying], [entry('mmlu-gpt', 'Running', 2)], NOW)).toEqual([]);
    expect(reasons(runOutcomes(subject, [retrying], [entry('mmlu-gpt', 'Failed', 2)], NOW))).toEqual([
      'RunFailed@2',
    ]);
  });

  it('records blocked runs, and every outcome of a round the status did not know yet', () => {
    expect(
      reasons(
        runOutcomes(
          subject,
          undefined,
          [entry('setup-gpt', 'Failed', 1), entry('eval-gpt', 'Blocked', 0), entry('x-gpt', 'Queued', 0)],
          NOW,
        ),
      ),
    ).toEqual(['RunFailed@1', 'RunBlocked@0']);
  });
});

describe('roundCompleted', () => {
  const done = {
    round: 3,
    completionTime: '2026-11-22T12:00:00Z',
    summary: { total: 2, succeeded: 1, failed: 1, blocked: 0 },
  };
  it('is recorded when the round finishes, once', () => {
    expect(roundCompleted(subject, { round: 3 }, done, NOW)).toMatchObject({
      id: 'u-1/r3/RoundCompleted',
      type: 'Warning',
      message: 'round 3 completed: 1/2 runs succeeded, 1 failed, 0 blocked',
    });
    expect(roundCompleted(subject, done, done, NOW)).toBeUndefined();
    expect(roundCompleted(subject, { round: 2, completionTime: 'x' }, done, NOW)).toBeDefined();
    expect(roundCompleted(subject, { round: 3 }, { round: 3 }, NOW)).toBeUndefined();
  });
});

describe('runs Kubernetes holds up (docs/run-failures.md)', () => {
  const stuck = (reason: string, attempt = 1) =>
    entry('mmlu-gpt', 'Running', attempt, {
      reason,
      message: `pod p: ${reason} said so`,
      job: 'nightly-3-mmlu-gpt',
    });

  it("records the reason once per attempt, as the Event's own reason", () => {
    const records = runOutcomes(
      subject,
      [entry('mmlu-gpt', 'Running', 1, { reason: 'Running' })],
      [stuck('ImagePullFailed')],
      NOW,
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      id: 'u-1/r3/mmlu-gpt/a1/ImagePullFailed',
      reason: 'RunNotStarting',
      eventReason: 'ImagePullFailed',
      type: 'Warning',
      message: 'run mmlu-gpt: pod p: ImagePullFailed said so',
      related: { kind: 'Job', name: 'nightly-3-mmlu-gpt' },
    });
    expect(runOutcomes(subject, [stuck('ImagePullFailed')], [stuck('ImagePullFailed')], NOW)).toEqual([]);
    expect(
      reasons(runOutcomes(subject, [stuck('ImagePullFailed')], [stuck('ImagePullFailed', 2)], NOW)),
    ).toEqual(['RunRetrying@1', 'RunNotStarting@2']);
  });

  it('tells a disrupted pod from one that cannot start, and ignores plain running', () => {
    expect(runOutcomes(subject, [], [stuck('Preempted')], NOW)[0]).toMatchObject({
      reason: 'RunDisrupted',
      eventReason: 'Preempted',
    });
    expect(runOutcomes(subject, [], [stuck('Running')], NOW)).toEqual([]);
  });

  it('records the stop of an attempt with its reason and Job', () => {
    const record = runStopped(
      subject,
      stuck('Unschedulable'),
      {
        job: 'nightly-3-mmlu-gpt',
        reason: 'Unschedulable',
        message: 'the runner did not start within 900s: ...',
      },
      NOW,
    );
    expect(record).toMatchObject({
      id: 'u-1/r3/mmlu-gpt/a1/RunStopped',
      reason: 'RunStopped',
      action: 'Stop',
      message: 'run mmlu-gpt: attempt 1 stopped: the runner did not start within 900s: ...',
      facts: { outcome: { state: 'Running', reason: 'Unschedulable' }, job: 'nightly-3-mmlu-gpt' },
    });
  });
});
