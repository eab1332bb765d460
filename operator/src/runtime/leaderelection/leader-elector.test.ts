import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, advanceInSteps } from '../time/fake-clock.ts';
import { LeaderElector } from './leader-elector.ts';
import { FakeLeaseServer, type Latency } from './fake-lease-server.ts';

const leaseDurationMs = 15_000;
const renewDeadlineMs = 10_000;
const retryPeriodMs = 2_000;
const logger = pino({ level: 'silent' });

/** A candidate whose leading intervals are recorded in the fake clock's time. */
function candidate(
  server: FakeLeaseServer,
  clock: FakeClock,
  identity: string,
  latency: Latency,
  wallClock?: () => Date,
) {
  const record = { startedAt: undefined as number | undefined, stoppedAt: undefined as number | undefined };
  const elector = new LeaderElector({
    leaseClient: server.clientWith(latency),
    namespace: 'ns',
    name: 'lease',
    identity,
    logger,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    clock,
    ...(wallClock ? { wallClock } : {}),
    onStartedLeading: () => (record.startedAt = clock.now()),
    onStoppedLeading: () => (record.stoppedAt = clock.now()),
  });
  const controller = new AbortController();
  const outcome: { value?: string } = {};
  const done = elector.run(controller.signal).then((value) => (outcome.value = value));
  stops.push(async () => {
    controller.abort();
    // Let the release (if any) finish on the fake clock.
    for (let i = 0; i < 100 && outcome.value === undefined; i++) await advanceInSteps(clock, 100);
    await done;
  });
  return { elector, record, outcome };
}

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops) await stop();
  stops = [];
});

describe('LeaderElector', () => {
  it('abandons a renewal whose GET and PUT together outlast the renew deadline, and steps down before a standby may take over', async () => {
    const clock = new FakeClock(1_000_000);
    const server = new FakeLeaseServer(clock);
    const latency: Latency = { getMs: 0, putMs: 0 };
    const leader = candidate(server, clock, 'a', latency);
    await advanceInSteps(clock, 50);
    expect(leader.record.startedAt).toBeDefined();
    const acquiredAt = leader.record.startedAt!;
    const standby = candidate(server, clock, 'b', { getMs: 0, putMs: 0 });
    await advanceInSteps(clock, 50);
    expect(server.holder()).toBe('a');

    // Each request alone is within the deadline; together (14 s) they are not. Under one timeout per
    // request, the PUT would land after the lease expired for the standby.
    latency.getMs = 7_000;
    latency.putMs = 7_000;
    await advanceInSteps(clock, leaseDurationMs + 5_000);

    expect(leader.outcome.value).toBe('lost');
    expect(leader.record.stoppedAt).toBeDefined();
    expect(leader.record.stoppedAt! - acquiredAt).toBeLessThanOrEqual(renewDeadlineMs);
    expect(standby.record.startedAt).toBeDefined();
    expect(standby.record.startedAt!).toBeGreaterThan(leader.record.stoppedAt!);
    expect(standby.record.startedAt! - acquiredAt).toBeGreaterThanOrEqual(leaseDurationMs);
    expect(server.holder()).toBe('b');
  });

  it('keeps leading while slow renewals still finish within the deadline', async () => {
    const clock = new FakeClock(0);
    const server = new FakeLeaseServer(clock);
    const latency: Latency = { getMs: 0, putMs: 0 };
    const leader = candidate(server, clock, 'a', latency);
    await advanceInSteps(clock, 50);
    const standby = candidate(server, clock, 'b', { getMs: 0, putMs: 0 });
    // A renewal every 6 s (4 s of requests, 2 s retry period), each write sent 8 s after the last.
    latency.getMs = 2_000;
    latency.putMs = 2_000;
    await advanceInSteps(clock, 60_000);
    expect(leader.elector.isLeader()).toBe(true);
    expect(leader.record.stoppedAt).toBeUndefined();
    expect(standby.record.startedAt).toBeUndefined();
  });

  it('does not let a standby take a lease that is being renewed when the wall clock jumps', async () => {
    const clock = new FakeClock(0);
    const server = new FakeLeaseServer(clock);
    let wallOffsetMs = Date.parse('2026-12-01T00:00:00Z');
    const wallClock = () => new Date(clock.now() + wallOffsetMs);
    const leader = candidate(server, clock, 'a', { getMs: 20, putMs: 20 }, wallClock);
    await advanceInSteps(clock, 100);
    expect(leader.elector.isLeader()).toBe(true);
    const standby = candidate(server, clock, 'b', { getMs: 20, putMs: 20 }, wallClock);
    await advanceInSteps(clock, 5_000);

    // An NTP step or a manual change: an hour ahead, then back two.
    wallOffsetMs += 3_600_000;
    await advanceInSteps(clock, 30_000);
    wallOffsetMs -= 7_200_000;
    await advanceInSteps(clock, 30_000);

    expect(standby.record.startedAt).toBeUndefined();
    expect(leader.elector.isLeader()).toBe(true);
    expect(server.holder()).toBe('a');
  });

  it('lets a standby take over once a dead leader’s lease has expired on its own clock', async () => {
    const clock = new FakeClock(0);
    const server = new FakeLeaseServer(clock);
    const latency: Latency = { getMs: 0, putMs: 0 };
    const leader = candidate(server, clock, 'a', latency);
    await advanceInSteps(clock, 50);
    const standby = candidate(server, clock, 'b', { getMs: 0, putMs: 0 });
    await advanceInSteps(clock, 50);
    // The leader's requests hang from here on, as if it were partitioned.
    latency.getMs = 1_000_000;
    const lastRenewalBy = clock.now() + retryPeriodMs;
    await advanceInSteps(clock, leaseDurationMs + retryPeriodMs + 1_000);
    expect(leader.record.stoppedAt).toBeDefined();
    expect(standby.record.startedAt).toBeDefined();
    expect(standby.record.startedAt!).toBeGreaterThan(leader.record.stoppedAt!);
    expect(standby.record.startedAt!).toBeLessThanOrEqual(lastRenewalBy + leaseDurationMs + 100);
  });
});
