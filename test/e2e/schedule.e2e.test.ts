// SchedulePolicy schedules and windows against the real control plane: cron rounds with
// concurrencyPolicy Forbid, the maxActiveRounds cap under Allow, nextScheduleTime, RoundSkipped,
// OutsideWindow, InvalidSchedule.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { SchedulePolicy } from '../../operator/src/api/v1alpha1/index.ts';
import { eventsFor } from '../support/events.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('sched');
stopOperatorsAfterAll();

const provider = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name: 'openai' },
  spec: { provider: 'openai', credentialsSecretRef: { name: 'openai-credentials' } },
};

function policy(name: string, spec: NonNullable<SchedulePolicy['spec']>) {
  return { apiVersion: 'bench.dev/v1alpha1', kind: 'SchedulePolicy', metadata: { name }, spec };
}

function suite(name: string, policyRef: string, podAnnotations?: Record<string, string>) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      schedulePolicyRef: policyRef,
      runner: {
        image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
        ...(podAnnotations ? { podAnnotations } : {}),
      },
      targets: [{ name: 'mini', providerRef: 'openai', model: 'gpt-4o-mini' }],
      benchmarks: [{ name: 'mmlu' }],
    },
  };
}

const apply = (ns: string, ...objects: object[]) =>
  kubectlApply(objects.map((o) => stringify(o)).join('---\n'), { namespace: ns });

const MINUTE = 60_000;
const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

describe('SchedulePolicy', () => {
  it(
    'starts a round per cron tick, skips a tick while the round runs (Forbid), and keeps nextScheduleTime right',
    async () => {
      const ns = namespace();
      await apply(
        ns,
        provider,
        policy('every-minute', { schedule: '* * * * *', concurrencyPolicy: 'Forbid' }),
      );
      startOperator({ namespaces: [ns] });
      // The suite must be seen waiting for its first tick, so it is not applied in the last 20 s of
      // a minute: the operator, just started, can take seconds to write its first status, and a tick
      // in between would start round 1 before a status with round 0 ever existed. This waits on the
      // wall clock (what a cron schedule runs on), not on the cluster.
      const untilTick = MINUTE - (Date.now() % MINUTE);
      if (untilTick < 20_000) await sleep(untilTick + 100);
      const created = Date.now();
      // Each run takes longer than a minute, so the tick after a round's start finds it running.
      await apply(ns, suite('cron', 'every-minute', { 'pod-complete.stage.kwok.x-k8s.io/delay': '70s' }));

      // Before the first tick: no round, the phase says it waits, the next tick is announced.
      const waiting = await waitForSuite(
        ns,
        'cron',
        (s) => s.nextScheduleTime !== undefined && (s.round ?? 0) === 0,
      );
      expect(waiting.phase).toBe('Waiting');
      expect(waiting.runs?.[0]).toMatchObject({ state: 'Queued', reason: 'WaitingForSchedule' });
      const firstTick = Date.parse(waiting.nextScheduleTime!);
      expect(firstTick % MINUTE, 'ticks are whole minutes').toBe(0);
      expect(firstTick).toBeGreaterThan(created - 1000);
      expect(firstTick).toBeLessThanOrEqual(created + MINUTE);

      const first = await waitForSuite(ns, 'cron', (s) => s.round === 1 && s.phase === 'Running', 2 * MINUTE);
      expect(first.lastScheduleTime, 'a scheduled round starts at its tick').toBe(waiting.nextScheduleTime);
      expect(Date.parse(first.nextScheduleTime!)).toBe(firstTick + MINUTE);

      // The next tick finds round 1 running: skipped, recorded once.
      const skipped = await waitFor(
        'a RoundSkipped event for the tick after round 1 started',
        async () => {
          const events = await eventsFor('BenchmarkSuite', 'cron', ns);
          const skips = events.filter((e) => e.reason === 'RoundSkipped');
          return { done: skips.length > 0, value: skips, seen: events };
        },
        { timeoutMs: 1.5 * MINUTE },
      );
      expect(skipped[0]!.note).toContain(`fired at ${new Date(firstTick + MINUTE).toISOString()}`);
      expect(skipped[0]!.note).toContain('concurrencyPolicy Forbid');
      const during = await kubectlGetJson<{ status?: { round?: number; lastHandledScheduleTime?: string } }>(
        ['benchmarksuite', 'cron'],
        { namespace: ns },
      );
      expect(during.status?.round, 'the skipped tick starts no round').toBe(1);

      // Round 1 ends after ~70 s; round 2 starts at the first tick after that, not at once.
      const second = await waitForSuite(ns, 'cron', (s) => s.round === 2, 2 * MINUTE);
      expect(Date.parse(second.lastScheduleTime!)).toBe(firstTick + 2 * MINUTE);
      expect(Date.parse(second.nextScheduleTime!)).toBe(firstTick + 3 * MINUTE);

      const sp = await kubectlGetJson<SchedulePolicy>(['schedulepolicy', 'every-minute'], { namespace: ns });
      expect(sp.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
      expect(Date.parse(sp.status!.nextScheduleTime!)).toBeGreaterThanOrEqual(firstTick + 3 * MINUTE);
    },
    5 * MINUTE,
  );

  it(
    'under Allow, skips a tick that finds maxActiveRounds rounds unfinished, naming the cap',
    async () => {
      const ns = namespace();
      await apply(
        ns,
        provider,
        policy('stacking', { schedule: '* * * * *', concurrencyPolicy: 'Allow', maxActiveRounds: 2 }),
      );
      startOperator({ namespaces: [ns] });
      // Two rounds are started at once by re-run requests (which the cap does not hold back), so the
      // next tick is the one that finds the cap reached. They are asked for early in a minute, so
      // that no tick comes between them and starts a round of its own; this waits on the wall clock
      // (what a cron schedule runs on), not on the cluster.
      const untilTick = MINUTE - (Date.now() % MINUTE);
      if (untilTick < 40_000) await sleep(untilTick + 100);
      // Runs take minutes: every round stays unfinished for the whole test.
      await apply(ns, suite('stacked', 'stacking', { 'pod-complete.stage.kwok.x-k8s.io/delay': '300s' }));
      const rerun = (value: string) =>
        kubectl(['annotate', '--overwrite', 'benchmarksuite', 'stacked', `bench.dev/requested-at=${value}`], {
          namespace: ns,
        });
      await rerun('first');
      await waitForSuite(ns, 'stacked', (s) => s.round === 1 && s.phase === 'Running');
      await rerun('second');
      await waitForSuite(ns, 'stacked', (s) => s.round === 2 && s.phase === 'Running');

      const skipped = await waitFor(
        'a RoundSkipped event for the first tick after two rounds started',
        async () => {
          const events = await eventsFor('BenchmarkSuite', 'stacked', ns);
          const skips = events.filter((e) => e.reason === 'RoundSkipped');
          return { done: skips.length > 0, value: skips, seen: events };
        },
        { timeoutMs: 1.5 * MINUTE },
      );
      expect(skipped[0]!.note).toContain(
        '2 rounds of the suite are unfinished, as many as maxActiveRounds (2) allows under concurrencyPolicy Allow',
      );
      const after = await kubectlGetJson<{ status?: { round?: number } }>(['benchmarksuite', 'stacked'], {
        namespace: ns,
      });
      expect(after.status?.round, 'the skipped tick starts no round').toBe(2);
      // Allow keeps the earlier round running: both rounds' Jobs are there, still active.
      const jobs = await kubectlGetJson<{
        items: Array<{ metadata: { labels?: Record<string, string> }; status?: { active?: number } }>;
      }>(['jobs', '-l', 'bench.dev/suite=stacked'], { namespace: ns });
      expect(
        jobs.items.map((j) => [j.metadata.labels?.['bench.dev/round'], (j.status?.active ?? 0) > 0]).sort(),
      ).toEqual([
        ['1', true],
        ['2', true],
      ]);
    },
    3 * MINUTE,
  );

  it('holds runs outside the time windows with OutsideWindow, and runs them once a window includes now', async () => {
    const ns = namespace();
    const now = Date.now();
    const later = { start: hhmm(now + 2 * 60 * MINUTE), end: hhmm(now + 3 * 60 * MINUTE) };
    await apply(ns, provider, policy('office', { timeZone: 'UTC', windows: [later] }));
    startOperator({ namespaces: [ns] });
    await apply(ns, suite('windowed', 'office'));

    const held = await waitForSuite(ns, 'windowed', (s) => s.runs?.[0]?.reason === 'OutsideWindow');
    expect(held.runs?.[0]?.state).toBe('Queued');
    expect(held.runs?.[0]?.message).toMatch(
      new RegExp(
        `^outside the time windows of SchedulePolicy office \\(daily ${later.start}-${later.end} UTC\\); next window opens at \\d{4}-`,
      ),
    );
    const jobs = await kubectlGetJson<{ items: unknown[] }>(['jobs', '-l', 'bench.dev/suite=windowed'], {
      namespace: ns,
    });
    expect(jobs.items).toHaveLength(0);

    // A window around now (crossing midnight works the same way).
    await apply(
      ns,
      policy('office', {
        timeZone: 'UTC',
        windows: [{ start: hhmm(now - 60 * MINUTE), end: hhmm(now + 60 * MINUTE) }],
      }),
    );
    await waitForSuite(ns, 'windowed', (s) => s.phase === 'Succeeded', 90_000);
  });

  it('an invalid schedule stalls the policy and its suites until it is fixed', async () => {
    const ns = namespace();
    await apply(ns, provider, policy('broken', { schedule: '61 * * * *' }));
    startOperator({ namespaces: [ns] });
    await apply(ns, suite('victim', 'broken'));

    const stalled = await waitForSuite(
      ns,
      'victim',
      (s) => s.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') ?? false,
    );
    expect(stalled.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      reason: 'InvalidSchedule',
      message: expect.stringContaining("schedule '61 * * * *' is not a valid cron expression") as unknown,
    });
    await waitFor('SchedulePolicy broken to be Stalled with InvalidSchedule', async () => {
      const sp = await kubectlGetJson<SchedulePolicy>(['schedulepolicy', 'broken'], { namespace: ns });
      const conditions = sp.status?.conditions ?? [];
      return {
        done:
          conditions.some(
            (c) => c.type === 'Stalled' && c.status === 'True' && c.reason === 'InvalidSchedule',
          ) && conditions.some((c) => c.type === 'Ready' && c.status === 'False'),
        seen: sp.status,
      };
    });

    await apply(ns, policy('broken', { schedule: '0 3 * * *', timeZone: 'Europe/Berlin' }));
    const fixed = await waitForSuite(
      ns,
      'victim',
      (s) => !(s.conditions?.some((c) => c.type === 'Stalled') ?? false) && s.nextScheduleTime !== undefined,
    );
    expect(fixed.phase).toBe('Waiting');
    await waitFor('SchedulePolicy broken to be Ready', async () => {
      const sp = await kubectlGetJson<SchedulePolicy>(['schedulepolicy', 'broken'], { namespace: ns });
      const conditions = sp.status?.conditions ?? [];
      return {
        done:
          conditions.some((c) => c.type === 'Ready' && c.status === 'True') &&
          !conditions.some((c) => c.type === 'Stalled'),
        seen: sp.status,
      };
    });
  });
});
