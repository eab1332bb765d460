// The manager's shutdown order on a FakeClock with an in-memory Lease: the Lease is released only
// after in-flight reconciles ended; past the graceful shutdown timeout their signal is aborted
// first; on lost leadership it is aborted at once.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeLeaseServer } from '../leaderelection/fake-lease-server.ts';
import { FakeClock, advanceInSteps } from '../time/fake-clock.ts';
import { unusedKubeConfig } from '../client/unused-kubeconfig.ts';
import { Manager } from './manager.ts';

const logger = pino({ level: 'silent' });
const gracefulShutdownTimeoutMs = 30_000;

interface InFlight {
  signal: AbortSignal;
  /** Ends the reconcile. */
  finish(): void;
  /** When (fake clock) the signal was aborted, and who held the Lease then. */
  aborted?: { at: number; holder: string | undefined };
}

const running: Array<{ manager: Manager; clock: FakeClock }> = [];
afterEach(async () => {
  for (const { manager, clock } of running.splice(0)) {
    let stopped = false;
    const stopping = manager.stop().then(() => (stopped = true));
    // Past the graceful shutdown timeout and the aborted reconciles' grace, on the fake clock.
    for (let i = 0; i < 40 && !stopped; i++) await advanceInSteps(clock, 1_000, 100);
    await stopping;
  }
});

/**
 * A leading manager whose one reconcile is in flight. `honoursAbort`: the reconcile ends when its
 * signal aborts, as one whose writes take the signal does.
 */
async function leaderWithReconcileInFlight(honoursAbort = true) {
  const clock = new FakeClock(1_000_000);
  const server = new FakeLeaseServer(clock);
  const manager = await Manager.create(
    {
      identity: 'replica-a',
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '0',
      gracefulShutdownTimeoutMs,
    },
    {
      kubeConfig: unusedKubeConfig(),
      clock,
      leaseClient: server.clientWith({ getMs: 5, putMs: 5 }),
      logger,
      registry: new Registry(),
    },
  );
  running.push({ manager, clock });
  const inFlight: InFlight[] = [];
  manager
    .controller({
      name: 'slow',
      workers: 1,
      reconcile: (_request, { signal }) =>
        new Promise<void>((resolve, reject) => {
          const reconcile: InFlight = { signal, finish: resolve };
          inFlight.push(reconcile);
          signal.addEventListener('abort', () => {
            reconcile.aborted = { at: clock.now(), holder: server.holder() };
            if (honoursAbort) reject(signal.reason as Error);
          });
        }),
    })
    .queue.add('ns/a');
  await manager.start();
  await advanceInSteps(clock, 100);
  expect(server.holder()).toBe('replica-a');
  expect(inFlight).toHaveLength(1);
  let exitCode: number | undefined;
  void manager.done.then((code) => (exitCode = code));
  return { clock, server, manager, reconcile: inFlight[0]!, exitCode: () => exitCode };
}

describe('Manager shutdown', () => {
  it('keeps the Lease, renewed, while a reconcile is in flight, and releases it once the reconcile ended', async () => {
    const { clock, server, manager, reconcile, exitCode } = await leaderWithReconcileInFlight();

    void manager.stop(0);
    await advanceInSteps(clock, 20_000);
    expect(server.holder(), 'held while the reconcile runs, past a lease duration').toBe('replica-a');
    expect(reconcile.signal.aborted).toBe(false);

    reconcile.finish();
    await advanceInSteps(clock, 100);
    expect(server.holder(), 'released once the reconcile ended').toBe('');
    expect(exitCode()).toBe(0);
  });

  it('aborts the reconcile at the graceful shutdown timeout and releases the Lease only after it ended', async () => {
    const { clock, server, manager, reconcile, exitCode } = await leaderWithReconcileInFlight();
    const stoppedAt = clock.now();

    void manager.stop(0);
    await advanceInSteps(clock, gracefulShutdownTimeoutMs - 10);
    expect(reconcile.signal.aborted, 'not before the timeout').toBe(false);
    await advanceInSteps(clock, 100);
    expect(reconcile.aborted, 'aborted at the timeout, while the Lease was still held').toEqual({
      at: stoppedAt + gracefulShutdownTimeoutMs,
      holder: 'replica-a',
    });
    expect(server.holder(), 'released after the aborted reconcile ended').toBe('');
    expect(exitCode(), 'a shutdown that had to abort work exits 1').toBe(1);
  });

  it('leaves the Lease to expire when an aborted reconcile does not end', async () => {
    const { clock, server, manager, reconcile, exitCode } = await leaderWithReconcileInFlight(false);

    void manager.stop(0);
    await advanceInSteps(clock, gracefulShutdownTimeoutMs + 100);
    expect(reconcile.signal.aborted).toBe(true);
    await advanceInSteps(clock, 10_000);
    expect(exitCode()).toBe(1);
    expect(server.holder(), 'not released to a standby that would act beside it').toBe('replica-a');
  });

  it('aborts the reconcile as soon as leadership is lost, long before the graceful shutdown timeout', async () => {
    const { clock, server, reconcile, exitCode } = await leaderWithReconcileInFlight();
    const lastRenewalBefore = clock.now();

    server.partitioned = true;
    await advanceInSteps(clock, 15_000);
    expect(reconcile.aborted, 'the reconcile is aborted when leadership is lost').toBeDefined();
    // The last renewal was sent at most a retry period (2 s) before the partition; leadership
    // ends 10 s (renew deadline) after it, before a standby may take over (15 s after seeing it).
    expect(reconcile.aborted?.at).toBeGreaterThan(lastRenewalBefore + 10_000 - 2_000);
    expect(reconcile.aborted?.at).toBeLessThanOrEqual(lastRenewalBefore + 10_000);
    expect(exitCode(), 'a replica that lost its lease exits 1 and restarts as a standby').toBe(1);
  });
});
