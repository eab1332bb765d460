// The operator under fire: two replicas running many suites over capped providers while the test
// SIGKILLs the leader again and again, restarts kube-apiserver and etcd, compacts etcd so every
// watch resumes into 410 Gone, and takes the audit sink down. Afterwards, from the test's own
// watches and the cluster's state: one Job per run attempt, every run final, no provider over its
// cap at any instant, no Job write outside its writer's lease term, every decision delivered to
// the audit sink, and each failover within the lease duration. `make test` runs the short scale,
// `make chaos` the full one (scale.ts, docs/chaos.md).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BenchmarkSuite } from '../../operator/src/api/v1alpha1/index.ts';
import { jobType } from '../../operator/src/controllers/resources.ts';
import { leaseType } from '../../operator/src/runtime/leaderelection/lease-client.ts';
import { defaultManagerOptions } from '../../operator/src/runtime/manager/options.ts';
import {
  loggedDecisions,
  missingFromAudit,
  stopOutboxWatchesAfterAll,
  watchOutbox,
} from '../support/audit-check.ts';
import { createSigningKey, outboxBatches, startAuditedOperator } from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { compactEtcd } from '../support/etcd.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';
import { runtimeClient } from '../support/runtime.ts';
import { waitFor } from '../support/wait.ts';
import { restartComponent, superviseControlPlane } from './control-plane.ts';
import { History } from './history.ts';
import {
  capCheck,
  duplicateJobs,
  failoverTimes,
  leaderCheck,
  percentile,
  type JobObject,
  type LeaseObject,
} from './invariants.ts';
import { Replicas } from './replicas.ts';
import { chaosScale } from './scale.ts';
import { seededRandom } from '../support/seeded-random.ts';

const scale = chaosScale();
const namespace = useNamespace(`chaos-${scale.name}`);
closeReceiversAfterAll();
// What the test started, stopped even when it timed out (its finally block does not run then).
const running: { kubelet?: { stop(): void }; replicas?: Replicas } = {};
afterAll(async () => {
  running.kubelet?.stop();
  await running.replicas?.stopAll();
});
stopOutboxWatchesAfterAll();

/** controller-runtime's default, which the operator keeps. */
const LEASE_DURATION_MS = 15_000;
/**
 * A SIGKILLed leader's lease stays valid for a lease duration after the last renewal the standby
 * saw, which can fall just before the kill; the standby takes it at that instant, and its GET and
 * PUT and this test's watch add a little. So a failover takes the lease duration less the time
 * since that renewal (0 to the 2 s renew period), plus well under a second.
 */
const FAILOVER_BOUND_MS = LEASE_DURATION_MS + 1_000;
const LEASE = defaultManagerOptions.leaderElectionId;
const FINAL = new Set(['Succeeded', 'Failed', 'Blocked']);

type Fault = 'leader-kill' | 'kube-apiserver-restart' | 'etcd-restart' | 'compaction';

function faultPlan(next: () => number): Fault[] {
  const faults: Fault[] = [
    ...Array<Fault>(scale.leaderKills).fill('leader-kill'),
    ...Array<Fault>(scale.apiServerRestarts).fill('kube-apiserver-restart'),
    ...Array<Fault>(scale.etcdRestarts).fill('etcd-restart'),
    ...Array<Fault>(scale.compactions).fill('compaction'),
  ];
  for (let i = faults.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [faults[i], faults[j]] = [faults[j]!, faults[i]!];
  }
  return faults;
}

const provider = (i: number) => `p${i % scale.providers}`;

function manifests(): string {
  const objects: object[] = [];
  for (let p = 0; p < scale.providers; p++) {
    objects.push({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: provider(p) },
      spec: {
        provider: 'openai-compatible',
        endpoint: 'http://healthy.kwok.invalid',
        maxConcurrentRuns: scale.cap,
      },
    });
  }
  for (let s = 0; s < scale.suites; s++) {
    objects.push({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name: `s${s}` },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          resources: { requests: { cpu: '10m' } },
          podAnnotations: {
            'pod-complete.stage.kwok.x-k8s.io/delay': scale.runDelay,
            'pod-complete.stage.kwok.x-k8s.io/jitter-delay': scale.runJitter,
          },
        },
        targets: [
          { name: 'left', providerRef: provider(s), model: 'ml' },
          { name: 'right', providerRef: provider(s + 1), model: 'mr' },
        ],
        benchmarks: Array.from({ length: scale.benchmarksPerSuite }, (_, i) => ({ name: `b${i}` })),
      },
    });
  }
  return objects.map((o) => stringify(o)).join('---\n');
}

describe(`the operator under fire (${scale.name})`, () => {
  it(
    'keeps every invariant through leader kills, control-plane restarts, 410s and an audit outage',
    async () => {
      const ns = namespace();
      const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
      const next = seededRandom(seed);
      const runs = scale.suites * 2 * scale.benchmarksPerSuite;
      const suiteNames = Array.from({ length: scale.suites }, (_, s) => `s${s}`);
      const caps = Object.fromEntries(
        Array.from({ length: scale.providers }, (_, p) => [provider(p), scale.cap]),
      );

      const key = await createSigningKey(ns);
      const receiver = await AuditReceiver.start(key);
      const { stored } = await watchOutbox(ns);
      const { client } = await runtimeClient();
      const jobs = new History<JobObject>(client, {
        type: jobType,
        namespace: ns,
        labelSelector: 'app.kubernetes.io/managed-by=bench-operator',
      });
      const leases = new History<LeaseObject>(client, { type: leaseType, namespace: ns });
      await Promise.all([jobs.start(), leases.start()]);
      const leaseEvents = () => leases.events.filter((e) => e.object.metadata.name === LEASE);
      const holder = () =>
        leases.objects().find((l) => l.metadata.name === LEASE)?.spec?.holderIdentity ?? '';

      const kubelet = (running.kubelet = superviseControlPlane());
      const replicas = (running.replicas = new Replicas(2, `chaos-${seed}`, (identity) =>
        startAuditedOperator(ns, receiver.url, { identity, leaderElection: true }),
      ));
      try {
        await kubectlApply(manifests(), { namespace: ns });

        /** Both replicas up and one of them leading: the state each fault starts from. */
        const steady = () =>
          waitFor(
            'two replicas running, one of them holding the lease',
            () => {
              const running = replicas.identities();
              return {
                done: running.length === 2 && running.includes(holder()),
                value: holder(),
                seen: { running, holder: holder() },
              };
            },
            { timeoutMs: 120_000, intervalMs: 100 },
          );

        const faults = faultPlan(next);
        const done: Array<{ fault: Fault; at: number; ms: number; runsInFlight: number }> = [];
        let sinkOutage: Promise<void> | undefined;
        for (const [index, fault] of faults.entries()) {
          const leader = await steady();
          if (index === Math.floor(faults.length / 3)) {
            await receiver.setMode('refusing');
            sinkOutage = delay(scale.sinkDownMs).then(() => receiver.setMode('up'));
          }
          const at = Date.now();
          const runsInFlight = jobs
            .objects()
            .filter((j) => !(j.status?.conditions ?? []).some((c) => c.status === 'True')).length;
          if (fault === 'leader-kill') {
            await replicas.kill(leader);
            await waitFor(
              `a replica other than the killed ${leader} to take the lease`,
              () => ({ done: holder() !== '' && holder() !== leader, seen: holder() }),
              { timeoutMs: 3 * LEASE_DURATION_MS, intervalMs: 50 },
            );
          } else if (fault === 'kube-apiserver-restart') {
            await restartComponent('kube-apiserver');
          } else if (fault === 'etcd-restart') {
            await restartComponent('etcd');
          } else {
            await compactEtcd();
            await restartComponent('kube-apiserver');
          }
          done.push({ fault, at, ms: Date.now() - at, runsInFlight });
          console.info(
            `[chaos ${scale.name}] ${index + 1}/${faults.length} ${fault}: ${Date.now() - at} ms, ${runsInFlight} runs in flight`,
          );
          // Faults are paced like a bad day, not a benchmark: 1 to 4 s between them.
          await delay(1_000 + next() * 3_000);
        }
        await sinkOutage;

        const finalStatuses = await waitFor(
          `all ${scale.suites} suites to finish their ${runs} runs`,
          async () => {
            const list = await kubectlGetJson<{ items: BenchmarkSuite[] }>(['benchmarksuites'], {
              namespace: ns,
            });
            const final = list.items
              .flatMap((s) => s.status?.runs ?? [])
              .filter((r) => FINAL.has(r.state ?? ''));
            const phases = list.items.map((s) => s.status?.phase ?? '(none)');
            return {
              done: final.length === runs && phases.every((p) => p === 'Succeeded' || p === 'Failed'),
              value: list.items,
              seen: { finalRuns: final.length, phases: [...new Set(phases)] },
            };
          },
          { timeoutMs: 20 * 60_000, intervalMs: 1_000 },
        );
        const decided = () => new Set([...stored, ...loggedDecisions(replicas.logFiles)]);
        // The delivery keeps the last delivered batch, where the sequence continues (docs/audit.md).
        await waitFor(
          'every decision stored or logged to have reached the audit sink, and at most the last delivered batch left',
          async () => {
            const batches = await outboxBatches(ns);
            const missing = [...decided()].filter((id) => !receiver.ids().has(id));
            return {
              done: batches.length <= 1 && missing.length === 0,
              seen: { batches, missing: missing.slice(0, 5) },
            };
          },
          { timeoutMs: 5 * 60_000, intervalMs: 1_000 },
        );
        await replicas.stopAll();
        await Promise.all([jobs.stop(), leases.stop()]);

        const duplicates = duplicateJobs(jobs.events);
        const capsSeen = capCheck(jobs.events, caps);
        const leaders = leaderCheck(jobs.events, leaseEvents());
        const failovers = failoverTimes(replicas.kills, leaseEvents());
        const received = receiver.ids();
        const lost = [...decided()].filter((id) => !received.has(id));
        const crossCheck = await missingFromAudit(ns, suiteNames, received);
        const logLines = (text: string) =>
          replicas.logFiles
            .map((file) => readFileSync(file, 'utf8').split(text).length - 1)
            .reduce((a, b) => a + b, 0);
        const operatorRelists = logLines('resource version too old');
        // Nobody touched the outbox: any batch reported missing or refused is a false alarm.
        const integrityAlarms =
          logLines('audit outbox batches are missing') + logLines('refused an audit outbox ConfigMap');
        const finalRuns = finalStatuses.flatMap((s) => s.status?.runs ?? []);
        const report = {
          scale: scale.name,
          seed,
          runs: {
            total: runs,
            final: finalRuns.length,
            succeeded: finalRuns.filter((r) => r.state === 'Succeeded').length,
          },
          faults: {
            leaderKills: replicas.kills.length,
            kubeApiserverRestarts: done.filter((f) => f.fault !== 'leader-kill' && f.fault !== 'etcd-restart')
              .length,
            etcdRestarts: done.filter((f) => f.fault === 'etcd-restart').length,
            compactions: done.filter((f) => f.fault === 'compaction').length,
            auditSinkDownSeconds: scale.sinkDownMs / 1000,
            withRunsInFlight: done.filter((f) => f.runsInFlight > 0).length,
            of: done.length,
          },
          replicaCrashes: replicas.crashes,
          controlPlaneRestartsByKubelet: kubelet.restarts,
          watchExpiry: {
            operatorRelistsAfter410: operatorRelists,
            testWatchRelists: jobs.relists + leases.relists,
          },
          duplicates: duplicates.length,
          lost: lost.length,
          capViolations: capsSeen.violations.length,
          capInstantsSampled: capsSeen.samples,
          peakActivePerProvider: capsSeen.peak,
          leaderConflicts: leaders.conflicts.length,
          jobWritesChecked: leaders.checked,
          jobWritesAmbiguous: leaders.ambiguous,
          audit: {
            decisions: decided().size,
            received: received.size,
            lost: lost.length,
            forged: receiver.forged,
            integrityAlarms,
            crossCheckMissing: crossCheck.missing.length,
            crossChecked: crossCheck.checked,
          },
          failoverMs: {
            p50: percentile(failovers, 50),
            p99: percentile(failovers, 99),
            max: Math.max(...failovers),
            leaseDurationMs: LEASE_DURATION_MS,
            withinLeaseDuration: failovers.filter((ms) => ms < LEASE_DURATION_MS).length,
          },
        };
        const out = path.join(repoRoot, '.cache/chaos');
        mkdirSync(out, { recursive: true });
        writeFileSync(path.join(out, `${scale.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
        console.info(`[chaos ${scale.name}] ${JSON.stringify(report)}`);

        expect(duplicates, 'run attempts with more than one Job').toEqual([]);
        expect(report.runs.final, 'runs in a final state').toBe(runs);
        expect(capsSeen.violations, 'instants a provider had more unfinished Jobs than its cap').toEqual([]);
        expect(capsSeen.samples).toBeGreaterThan(runs);
        expect(leaders.conflicts, 'Job writes by a replica that did not hold the lease').toEqual([]);
        expect(leaders.checked).toBeGreaterThan(runs / 2);
        expect(lost, 'decisions stored or logged that never reached the audit sink').toEqual([]);
        expect(crossCheck.missing, 'Jobs, outcomes and Events without their audit record').toEqual([]);
        expect(receiver.forged, 'audit requests failing the signature check').toBe(0);
        expect(
          integrityAlarms,
          'outbox batches reported missing or refused, with nobody touching the outbox',
        ).toBe(0);
        expect(failovers.length).toBe(scale.leaderKills);
        expect(report.failoverMs.p99, 'leader failover p99 (ms)').toBeLessThan(FAILOVER_BOUND_MS);
        if (scale.compactions > 0)
          expect(operatorRelists, 'the operator relisted after 410 Gone').toBeGreaterThan(0);
      } finally {
        kubelet.stop();
        await replicas.stopAll();
        await Promise.all([jobs.stop(), leases.stop()]);
      }
    },
    scale.timeoutMs,
  );
});
