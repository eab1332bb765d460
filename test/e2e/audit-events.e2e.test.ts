// Decisions as people see them: `kubectl describe bs` and `kubectl events --for bs/<name>` tell the
// story of a round (start, admissions, waits, a retry, a failure, a blocked run, successes, the
// end), each Event carries the id of its audit record, which the receiver got; the round's Git
// revision is on its status, Jobs and records; stalls and deletions are recorded too.
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  expectNothingLost,
  missingFromAudit,
  stopOutboxWatchesAfterAll,
  waitForDelivery,
  watchOutbox,
} from '../support/audit-check.ts';
import { createSigningKey, startAuditedOperator } from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { eventsFor } from '../support/events.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { stopOperatorsAfterAll, type OperatorProcess } from '../support/operator.ts';
import { waitForSuite, type JobList, applyHealthyProvider } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('story');
stopOperatorsAfterAll();
closeReceiversAfterAll();
stopOutboxWatchesAfterAll();

const REVISION = 'main@sha1:4f1c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d';
let receiver: AuditReceiver;
let operator: OperatorProcess;
let stored: Set<string>;

beforeAll(async () => {
  const ns = namespace();
  receiver = await AuditReceiver.start(await createSigningKey(ns));
  ({ stored } = await watchOutbox(ns));
  operator = startAuditedOperator(ns, receiver.url, { identity: `audit-story-${ns}` });
  await applyHealthyProvider(ns, 1);
});

function suite(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}) {
  return stringify({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name, annotations },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0', resources: { requests: { cpu: '10m' } } },
      ...spec,
    },
  });
}

describe('decisions in kubectl and in the audit trail', () => {
  it('tell the story of a round, one Event per decision, each with its audit record', async () => {
    const ns = namespace();
    await kubectlApply(
      suite(
        'story',
        {
          retry: { limit: 2, backoff: { initial: '1s', max: '1s', jitterPercent: 0 } },
          targets: [
            // Each of its runs fails on attempt 1 (exit 3: retried) and succeeds on attempt 2.
            {
              name: 'good',
              providerRef: 'solo',
              model: 'm',
              parameters: { 'kwok.exit-code': '3', 'kwok.fail-until-attempt': '1' },
            },
            // Exit 2: a benchmark error, not retried; what depends on it is blocked.
            { name: 'bad', providerRef: 'solo', model: 'm', parameters: { 'kwok.exit-code': '2' } },
          ],
          benchmarks: [{ name: 'setup' }, { name: 'eval', dependsOn: ['setup'] }],
        },
        { 'bench.dev/source-revision': REVISION },
      ),
      { namespace: ns },
    );
    const done = await waitForSuite(ns, 'story', (s) => s.completionTime !== undefined, 120_000);
    const byName = Object.fromEntries((done.runs ?? []).map((r) => [r.name, r]));
    expect(byName['setup-good']).toMatchObject({ state: 'Succeeded', attempt: 2 });
    expect(byName['eval-good']).toMatchObject({ state: 'Succeeded', attempt: 2 });
    expect(byName['setup-bad']).toMatchObject({ state: 'Failed', reason: 'BenchmarkError' });
    expect(byName['eval-bad']).toMatchObject({ state: 'Blocked' });
    expect(done.sourceRevision).toBe(REVISION);
    const jobs = await kubectlGetJson<JobList>(['jobs', '-l', 'bench.dev/suite=story'], { namespace: ns });
    expect(jobs.items.map((j) => j.metadata.annotations?.['bench.dev/source-revision'])).toEqual(
      jobs.items.map(() => REVISION),
    );

    // kubectl events and describe, as a user reads them.
    const story = (await kubectl(['events', '--for', 'bs/story'], { namespace: ns })).stdout;
    const reasons = [
      'RoundStarted',
      'RunAdmitted',
      'RunDeferred',
      'RunRetrying',
      'RunFailed',
      'RunBlocked',
      'RunSucceeded',
      'RoundCompleted',
    ];
    for (const reason of reasons)
      expect(story, `kubectl events shows ${reason}`).toMatch(new RegExp(`\\b${reason}\\b`));
    expect(story).toContain(`round 1 started: the suite was created (revision ${REVISION})`);
    expect(story).toContain('run setup-good: attempt 1 failed (exit code 3)');
    expect(story).toContain('run setup-bad: attempt 1 failed (exit code 2)');
    expect(story).toMatch(/run eval-bad: benchmark setup failed for target bad/);
    expect(story).toContain('round 1 completed: 2/4 runs succeeded, 1 failed, 1 blocked');
    const described = (await kubectl(['describe', 'bs', 'story'], { namespace: ns })).stdout;
    const eventSection = described.slice(described.indexOf('Events:'));
    for (const reason of reasons) expect(eventSection).toContain(reason);

    // A wait is recorded when its reason changes, not on every pass: one Event each, never repeated.
    const events = await eventsFor('BenchmarkSuite', 'story', ns);
    const deferrals = events.filter((e) => e.reason === 'RunDeferred');
    expect(deferrals.length).toBeGreaterThan(0);
    for (const deferral of deferrals) expect(deferral.count, deferral.note).toBe(1);
    const waits = deferrals.map((e) =>
      /^run (\S+) attempt (\d+) waits \((\w+)\)/.exec(e.note)!.slice(1).join(' '),
    );
    expect(new Set(waits).size, 'one Event per run, attempt and reason').toBe(waits.length);

    // Each of those Events is an audit record the receiver got, with the inputs behind it.
    await waitForDelivery(ns, receiver, stored);
    await expectNothingLost({
      name: 'story',
      namespace: ns,
      suites: ['story'],
      receiver,
      stored,
      logFiles: [operator.logFile],
    });
    const { checked } = await missingFromAudit(ns, ['story'], receiver.ids());
    expect(checked.events).toBeGreaterThanOrEqual(events.length);
    const types = new Set(receiver.records.map((r) => r.type));
    for (const type of [
      'round.started',
      'run.admitted',
      'run.deferred',
      'run.retrying',
      'run.failed',
      'run.blocked',
      'run.succeeded',
      'round.completed',
    ])
      expect(types).toContain(`dev.bench.${type}`);
    const admitted = receiver.records.find((r) => r.type === 'dev.bench.run.admitted')!;
    expect(admitted.subject).toBe(`namespaces/${ns}/benchmarksuites/story`);
    expect(admitted.data).toMatchObject({
      reason: 'RunAdmitted',
      revision: REVISION,
      round: 1,
      provider: 'solo',
      priority: 0,
      capacity: { provider: { inUse: 0, limit: 1 } },
      circuit: { state: 'Closed' },
      related: { kind: 'Job' },
    });
    const retried = receiver.records.find((r) => r.type === 'dev.bench.run.retrying')!;
    expect(retried.data).toMatchObject({ run: 'setup-good', attempt: 1, revision: REVISION });
  });

  it('records a suite that cannot proceed, and a suite that is deleted', async () => {
    const ns = namespace();
    await kubectlApply(
      suite('orphan', {
        targets: [{ name: 't', providerRef: 'nowhere', model: 'm' }],
        benchmarks: [{ name: 'b' }],
      }),
      { namespace: ns },
    );
    await kubectlApply(
      suite('doomed', {
        targets: [{ name: 't', providerRef: 'solo', model: 'm' }],
        benchmarks: [{ name: 'b' }],
      }),
      { namespace: ns },
    );
    await waitForSuite(ns, 'doomed', (s) => s.phase === 'Succeeded', 90_000);
    const { metadata } = await kubectlGetJson<{ metadata: { uid: string } }>(['bs', 'doomed'], {
      namespace: ns,
    });
    await kubectl(['delete', 'bs', 'doomed', '--wait=true'], { namespace: ns });
    await waitFor('a SuiteDeleted Event for the deleted suite', async () => {
      const events = await eventsFor('BenchmarkSuite', 'doomed', ns);
      return { done: events.some((e) => e.reason === 'SuiteDeleted'), seen: events.map((e) => e.reason) };
    });
    const stalled = await eventsFor('BenchmarkSuite', 'orphan', ns);
    expect(stalled.find((e) => e.reason === 'ReferenceMissing')).toMatchObject({
      type: 'Warning',
      note: expect.stringContaining('ProviderPolicy nowhere does not exist') as unknown,
    });

    await waitForDelivery(ns, receiver, stored);
    await expectNothingLost({
      name: 'stall and deletion',
      namespace: ns,
      suites: ['story', 'orphan'],
      receiver,
      stored,
      logFiles: [operator.logFile],
    });
    expect(receiver.records.find((r) => r.id === `${metadata.uid}/SuiteDeleted`)).toMatchObject({
      type: 'dev.bench.suite.deleted',
      subject: `namespaces/${ns}/benchmarksuites/doomed`,
    });
    expect(receiver.records.find((r) => r.type === 'dev.bench.suite.stalled')?.data).toMatchObject({
      reason: 'ReferenceMissing',
      stall: 'ReferenceMissing',
      references: { providerPolicies: ['nowhere'] },
    });
  });
});
