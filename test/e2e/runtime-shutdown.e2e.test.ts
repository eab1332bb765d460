// Graceful shutdown against the real API server, two manager processes on one Lease: a leader
// whose reconcile is slow gets SIGTERM. It keeps the Lease (its holderIdentity) while the reconcile
// runs and releases it only once the reconcile ended, so the standby takes over only then; a
// reconcile still running at --graceful-shutdown-timeout is aborted first, its write never made.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectl, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';
import {
  programsKilledAfterEach,
  runProgram,
  type LogLine,
  type RunningProgram,
} from '../support/process.ts';
import { replicaArgs } from '../support/runtime.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('rt-shutdown');
const slowWriter = path.join(repoRoot, 'test/e2e/fixtures/runtime-slow-writer.ts');

const programs = programsKilledAfterEach();

function startReplica(leaseName: string, identity: string, gracefulShutdownTimeout: string): RunningProgram {
  const program = runProgram(slowWriter, [
    ...replicaArgs(namespace(), leaseName, identity),
    '--graceful-shutdown-timeout',
    gracefulShutdownTimeout,
  ]);
  programs.push(program);
  return program;
}

interface Lease {
  spec: { holderIdentity?: string };
}

async function holderOf(leaseName: string): Promise<string | undefined> {
  return (await kubectlGetJson<Lease>(['lease', leaseName], { namespace: namespace() })).spec.holderIdentity;
}

/** A leader with its standby, the leader reconciling ConfigMap "work-<leaseName>" for `workMs`. */
async function leaderReconciling(leaseName: string, workMs: number, gracefulShutdownTimeout: string) {
  const leader = startReplica(leaseName, `${leaseName}-a`, gracefulShutdownTimeout);
  await leader.waitForLog('became leader');
  const standby = startReplica(leaseName, `${leaseName}-b`, gracefulShutdownTimeout);
  await standby.waitForLog('manager started');
  await kubectl(['create', 'configmap', `work-${leaseName}`, `--from-literal=workMs=${workMs}`], {
    namespace: namespace(),
  });
  await kubectl(['label', 'configmap', `work-${leaseName}`, 'runtime-test=slow'], { namespace: namespace() });
  await leader.waitForLog('reconcile started', { name: `work-${leaseName}` });
  return { leader, standby };
}

/**
 * Samples the Lease holder, each with when its answer arrived, until the leader logs `msg` for
 * `configMap` (or waiting for it times out); returns the samples and when that was logged.
 */
async function holdersUntil(
  leaseName: string,
  leader: RunningProgram,
  msg: string,
  configMap: string,
): Promise<{ samples: Array<{ holder: string | undefined; at: number }>; loggedAt: number | undefined }> {
  const samples: Array<{ holder: string | undefined; at: number }> = [];
  let logged: LogLine | undefined;
  let gaveUp = false;
  void leader.waitForLog(msg, { name: configMap }, 20_000).then(
    (line) => (logged = line),
    () => (gaveUp = true),
  );
  while (!logged && !gaveUp) samples.push({ holder: await holderOf(leaseName), at: Date.now() });
  return { samples, loggedAt: logged?.time };
}

describe('graceful shutdown of a leader with a reconcile in flight', () => {
  it('keeps the Lease until the reconcile ended, then releases it, and only then does the standby lead', async () => {
    const workMs = 8_000;
    const { leader, standby } = await leaderReconciling('drained', workMs, '60s');

    leader.child.kill('SIGTERM');
    const { samples, loggedAt } = await holdersUntil('drained', leader, 'reconcile ended', 'work-drained');
    const endedAt = loggedAt ?? Infinity;
    const whileReconciling = samples.filter((s) => s.at < endedAt);
    expect(whileReconciling.length, 'Lease samples taken while the reconcile ran').toBeGreaterThan(5);
    expect(
      whileReconciling.filter((s) => s.holder !== 'drained-a'),
      'the leader holds the Lease while its reconcile runs',
    ).toEqual([]);
    expect(loggedAt, 'the reconcile ended').toBeDefined();

    expect(await leader.exited, 'drained in time: exit 0').toBe(0);
    const done = await kubectlGetJson<{ data: { by: string } }>(['configmap', 'work-drained-done'], {
      namespace: namespace(),
    });
    expect(done.data.by, "the drained reconcile's write was made by the old leader, before it exited").toBe(
      'drained-a',
    );
    const released = leader.logs.find((l) => l.msg === 'released the lease');
    expect(released?.time, 'the Lease is released after the reconcile ended').toBeGreaterThanOrEqual(endedAt);
    const takeover = await standby.waitForLog('became leader', {}, 20_000);
    expect(takeover.time, 'the standby leads only after the reconcile ended').toBeGreaterThanOrEqual(endedAt);
    await waitFor('the standby to hold the Lease', async () => {
      const holder = await holderOf('drained');
      return { done: holder === 'drained-b', seen: holder };
    });
  });

  it('aborts a reconcile still running at --graceful-shutdown-timeout, and releases the Lease only after it ended', async () => {
    const { leader, standby } = await leaderReconciling('aborted', 300_000, '2s');

    const stoppedAt = Date.now();
    leader.child.kill('SIGTERM');
    const { samples, loggedAt } = await holdersUntil('aborted', leader, 'reconcile aborted', 'work-aborted');
    const abortedAt = loggedAt ?? Infinity;
    expect(
      samples.filter((s) => s.at < abortedAt && s.holder !== 'aborted-a'),
      'the leader holds the Lease until its reconcile was aborted',
    ).toEqual([]);
    expect(loggedAt, 'the reconcile was aborted').toBeDefined();
    expect(abortedAt - stoppedAt, 'aborted at the graceful shutdown timeout').toBeGreaterThanOrEqual(2_000);

    expect(await leader.exited, 'a shutdown that had to abort work exits 1').toBe(1);
    expect(leader.logs.some((l) => l.msg === 'reconcile failed')).toBe(false);
    const released = leader.logs.find((l) => l.msg === 'released the lease');
    expect(released?.time, 'the Lease is released after the reconcile ended').toBeGreaterThanOrEqual(
      abortedAt,
    );
    const takeover = await standby.waitForLog('became leader', {}, 20_000);
    expect(takeover.time, 'the standby leads only after the abort').toBeGreaterThanOrEqual(abortedAt);
    const done = await kubectl(['get', 'configmap', 'work-aborted-done'], {
      namespace: namespace(),
      allowFailure: true,
    });
    expect(done.code, 'the aborted reconcile never wrote').not.toBe(0);
  });
});
