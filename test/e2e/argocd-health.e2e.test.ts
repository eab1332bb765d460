// The Argo CD health checks of config/argocd, run with lua5.1 over live objects of the real
// operator in each state: what a user gets from `kubectl apply -k config/argocd` (rendered by the
// real kubectl's kustomize) over what the operator really writes. The tests run in order: one
// operator plays the states.
//
// BENCH_CAPTURE_ARGOCD_HEALTH=1 also writes every object evaluated, with its health, to
// test/fixtures/argocd-health (the unit test's fixtures): review the diff before committing it.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  evaluateHealth,
  healthCheckedKinds,
  healthFixturesDir,
  healthKey,
  healthScriptPath,
  type Health,
  type HealthCheckedKind,
  type HealthTestCase,
} from '../support/argocd-health.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll, type OperatorProcess } from '../support/operator.ts';
import { repoRoot } from '../support/paths.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('argocd');
stopOperatorsAfterAll();

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface LiveObject {
  kind: HealthCheckedKind;
  metadata: {
    name: string;
    generation?: number;
    annotations?: Record<string, string>;
    managedFields?: unknown;
  };
  status?: {
    observedGeneration?: number;
    phase?: string;
    conditions?: Condition[];
    circuit?: { state?: string; openUntil?: string; consecutiveFailures?: number };
    runs?: Array<{ name: string; state: string; message?: string }>;
  };
}

const condition = (object: LiveObject, type: string) =>
  object.status?.conditions?.find((c) => c.type === type);

/** The checks as argocd-cm carries them after `kubectl apply -k config/argocd`. */
const scripts = new Map<HealthCheckedKind, string>();
beforeAll(async () => {
  const { stdout } = await kubectl(['kustomize', path.join(repoRoot, 'config/argocd')]);
  const configMap = parse(stdout) as { data: Record<string, string> };
  for (const kind of healthCheckedKinds) scripts.set(kind, configMap.data[healthKey(kind)]!);
});

const capture = process.env.BENCH_CAPTURE_ARGOCD_HEALTH === '1';
const captured = new Map<HealthCheckedKind, HealthTestCase[]>();
afterAll(() => {
  for (const [kind, tests] of captured) {
    writeFileSync(path.join(healthFixturesDir, kind, 'health_test.yaml'), stringify({ tests }));
  }
});

/** Evaluates the kind's check over the live object; with capture on, records it as the fixture `fixture`. */
async function healthOf(object: LiveObject, fixture: string): Promise<Health> {
  const health = await evaluateHealth(scripts.get(object.kind)!, object);
  if (capture) {
    // Without the noise of kubectl apply.
    const { managedFields: _managedFields, annotations: all, ...metadata } = object.metadata;
    const { 'kubectl.kubernetes.io/last-applied-configuration': _applied, ...annotations } = all ?? {};
    const inputPath = `testdata/${fixture}.yaml`;
    const cleaned = {
      ...object,
      metadata: { ...metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    };
    mkdirSync(path.join(healthFixturesDir, object.kind, 'testdata'), { recursive: true });
    writeFileSync(path.join(healthFixturesDir, object.kind, inputPath), stringify(cleaned));
    captured.set(object.kind, [...(captured.get(object.kind) ?? []), { healthStatus: health, inputPath }]);
  }
  return health;
}

/** Waits until the object is in the state `ready` describes, and returns it as it was then. */
function waitForObject(
  kind: HealthCheckedKind,
  name: string,
  state: string,
  ready: (object: LiveObject) => boolean,
): Promise<LiveObject> {
  return waitFor(
    `${kind} ${name} to be ${state}`,
    async () => {
      const object = await kubectlGetJson<LiveObject>([kind, name], { namespace: namespace() });
      const { runs: _runs, ...status } = object.status ?? {};
      return { done: ready(object), value: object, seen: { generation: object.metadata.generation, status } };
    },
    { timeoutMs: 180_000 },
  );
}

const runner = {
  image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
  resources: { requests: { cpu: '10m' } },
};

/** A ProviderPolicy of the simulated provider (hack/testenv/stages): the host says how runs end. */
const provider = (name: string, host: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name },
  spec: { provider: 'openai-compatible', endpoint: `http://${host}.kwok.invalid`, ...spec },
});

const schedule = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name },
  spec,
});

const suite = (name: string, providerRef: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name },
  spec: {
    runner,
    retry: { limit: 0 },
    targets: [{ name: 't', providerRef, model: 'm' }],
    benchmarks: [{ name: 'a' }, { name: 'b' }],
    ...spec,
  },
});

const objects = [
  provider('healthy', 'healthy'),
  provider('rejected', 'bad-credentials'),
  // One run at a time: two failures in the same second may count as one (the circuit's watermark
  // has a resolution of a second, see core/provider/accounting.ts), and the circuit would not open.
  provider('outage', 'unavailable', {
    maxConcurrentRuns: 1,
    circuitBreaker: { failureThreshold: 2, cooldown: '1h' },
  }),
  schedule('nightly', { schedule: '0 2 * * *', timeZone: 'Europe/Berlin' }),
  schedule('martian', { schedule: '0 2 * * *', timeZone: 'Mars/Olympus_Mons' }),
  // Runs of 10 s, so that the suite is seen Running.
  suite('smoke', 'healthy', {
    runner: { ...runner, podAnnotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '10s' } },
  }),
  suite('paused', 'healthy', { suspend: true }),
  suite('orphan', 'missing'),
  suite('broken', 'healthy', {
    targets: [{ name: 't', providerRef: 'healthy', model: 'm', parameters: { 'kwok.exit-code': '2' } }],
  }),
  suite('locked-out', 'rejected', { benchmarks: [{ name: 'a' }] }),
  suite('unlucky', 'outage'),
  suite('nightly-eval', 'healthy', { schedulePolicyRef: 'nightly' }),
  suite('on-mars', 'healthy', { schedulePolicyRef: 'martian' }),
];

let operator: OperatorProcess;

/** The timeout of a test waiting on the operator: room for several of waitForObject's waits. */
const operatorTestTimeoutMs = 600_000;

describe('Argo CD health checks (config/argocd) over the operator’s objects', () => {
  it('config/argocd renders the three checks into argocd-cm, and its Component merges them into an existing one', async () => {
    for (const kind of healthCheckedKinds) {
      expect(scripts.get(kind), `${healthKey(kind)} in kubectl kustomize config/argocd`).toBe(
        readFileSync(healthScriptPath(kind), 'utf8'),
      );
    }
    const { stdout } = await kubectl(['kustomize', path.join(repoRoot, 'config/argocd')]);
    expect(parse(stdout)).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'argocd-cm', namespace: 'argocd', labels: { 'app.kubernetes.io/part-of': 'argocd' } },
    });

    // An Argo CD installed with kustomize: its argocd-cm keeps its own keys and gains the checks.
    const install = mkdtempSync(path.join(tmpdir(), 'argocd-install-'));
    writeFileSync(
      path.join(install, 'argocd-cm.yaml'),
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'argocd-cm', labels: { 'app.kubernetes.io/part-of': 'argocd' } },
        data: { url: 'https://argocd.example.com' },
      }),
    );
    writeFileSync(
      path.join(install, 'kustomization.yaml'),
      stringify({
        namespace: 'argocd',
        resources: ['argocd-cm.yaml'],
        components: [path.relative(install, path.join(repoRoot, 'config/argocd/health'))],
      }),
    );
    const merged = parse((await kubectl(['kustomize', install])).stdout) as {
      metadata: { name: string };
      data: Record<string, string>;
    };
    expect(merged.metadata.name).toBe('argocd-cm');
    expect(merged.data).toEqual({
      url: 'https://argocd.example.com',
      ...Object.fromEntries(healthCheckedKinds.map((kind) => [healthKey(kind), scripts.get(kind)])),
    });
  });

  it('objects the operator has not seen yet are Progressing, waiting for the operator', async () => {
    const ns = namespace();
    await kubectlApply(objects.map((o) => stringify(o)).join('---\n'), { namespace: ns });
    for (const [kind, name] of [
      ['BenchmarkSuite', 'smoke'],
      ['ProviderPolicy', 'healthy'],
      ['SchedulePolicy', 'nightly'],
    ] as const) {
      const object = await kubectlGetJson<LiveObject>([kind, name], { namespace: ns });
      expect(object.status, `${kind} ${name} before the operator`).toBeUndefined();
      expect(await healthOf(object, 'unseen')).toEqual({
        status: 'Progressing',
        message: 'Waiting for the operator',
      });
    }
    operator = startOperator({ namespaces: [ns] });
  });

  it(
    'a BenchmarkSuite: running Progressing, succeeded Healthy, suspended Suspended, stalled or failed Degraded',
    async () => {
      const running = await waitForObject(
        'BenchmarkSuite',
        'smoke',
        'Running',
        (o) => o.status?.phase === 'Running',
      );
      expect(await healthOf(running, 'running')).toEqual({
        status: 'Progressing',
        message: condition(running, 'Reconciling')?.message,
      });

      const succeeded = await waitForObject(
        'BenchmarkSuite',
        'smoke',
        'Succeeded',
        (o) => o.status?.phase === 'Succeeded',
      );
      expect(await healthOf(succeeded, 'succeeded')).toEqual({
        status: 'Healthy',
        message: condition(succeeded, 'Ready')?.message,
      });
      expect(condition(succeeded, 'Ready')?.message).toMatch(/^round 1 finished: 2\/2 runs succeeded/);

      const waiting = await waitForObject(
        'BenchmarkSuite',
        'nightly-eval',
        'waiting for its schedule',
        (o) => condition(o, 'Ready')?.reason === 'WaitingForSchedule',
      );
      expect(await healthOf(waiting, 'waiting-for-schedule')).toEqual({
        status: 'Healthy',
        message: condition(waiting, 'Ready')?.message,
      });

      // Suspended after a round (a re-run request starts it now): a scheduled suite starts no round
      // for the spec change, so the phase stays Succeeded while no round will start.
      await kubectl(
        ['annotate', 'bs', 'nightly-eval', `bench.dev/requested-at=${new Date().toISOString()}`],
        {
          namespace: namespace(),
        },
      );
      await waitForObject(
        'BenchmarkSuite',
        'nightly-eval',
        'Succeeded',
        (o) => o.status?.phase === 'Succeeded',
      );
      await kubectl(['patch', 'bs', 'nightly-eval', '--type=merge', '-p', '{"spec":{"suspend":true}}'], {
        namespace: namespace(),
      });
      const suspendedAfterRound = await waitForObject(
        'BenchmarkSuite',
        'nightly-eval',
        'Succeeded with generation 2 observed',
        (o) => o.status?.observedGeneration === 2 && o.status.phase === 'Succeeded',
      );
      expect(await healthOf(suspendedAfterRound, 'suspended-after-round')).toEqual({
        status: 'Suspended',
        message: `the suite is suspended; ${condition(suspendedAfterRound, 'Ready')?.message}`,
      });

      const paused = await waitForObject(
        'BenchmarkSuite',
        'paused',
        'Suspended',
        (o) => o.status?.phase === 'Suspended',
      );
      expect(await healthOf(paused, 'suspended')).toEqual({
        status: 'Suspended',
        message: condition(paused, 'Ready')?.message,
      });

      const orphan = await waitForObject(
        'BenchmarkSuite',
        'orphan',
        'Stalled',
        (o) => condition(o, 'Stalled')?.status === 'True',
      );
      expect(condition(orphan, 'Stalled')).toMatchObject({ reason: 'ReferenceMissing' });
      expect(await healthOf(orphan, 'stalled-reference-missing')).toEqual({
        status: 'Degraded',
        message: condition(orphan, 'Stalled')?.message,
      });

      const policyStalled = await waitForObject(
        'BenchmarkSuite',
        'on-mars',
        'Stalled',
        (o) => condition(o, 'Stalled')?.status === 'True',
      );
      expect(condition(policyStalled, 'Stalled')?.message).toContain('Mars/Olympus_Mons');
      expect(await healthOf(policyStalled, 'stalled-invalid-time-zone')).toEqual({
        status: 'Degraded',
        message: condition(policyStalled, 'Stalled')?.message,
      });

      const failed = await waitForObject(
        'BenchmarkSuite',
        'broken',
        'Failed',
        (o) => o.status?.phase === 'Failed',
      );
      const failedRun = failed.status!.runs!.find((r) => r.state === 'Failed')!;
      expect(failedRun.message).toContain('exit code 2');
      expect(await healthOf(failed, 'failed')).toEqual({
        status: 'Degraded',
        message: `${condition(failed, 'Ready')?.message}; run ${failedRun.name}: ${failedRun.message}`,
      });
    },
    operatorTestTimeoutMs,
  );

  it(
    'a ProviderPolicy: available Healthy; rejected credentials and an open circuit Degraded',
    async () => {
      const available = await waitForObject(
        'ProviderPolicy',
        'healthy',
        'Ready',
        (o) => condition(o, 'Ready')?.reason === 'Available',
      );
      expect(await healthOf(available, 'available')).toEqual({
        status: 'Healthy',
        message: condition(available, 'Ready')?.message,
      });

      // Exit code 12: the provider rejected the credentials.
      const rejected = await waitForObject(
        'ProviderPolicy',
        'rejected',
        'Degraded',
        (o) => condition(o, 'Degraded')?.status === 'True',
      );
      expect(await healthOf(rejected, 'credentials-rejected')).toEqual({
        status: 'Degraded',
        message: condition(rejected, 'Degraded')?.message,
      });

      // Exit code 10 twice (failureThreshold 2): a provider outage.
      const open = await waitForObject(
        'ProviderPolicy',
        'outage',
        'with its circuit Open',
        (o) => o.status?.circuit?.state === 'Open',
      );
      expect(await healthOf(open, 'circuit-open')).toEqual({
        status: 'Degraded',
        message: `provider outage: the circuit is Open until ${open.status!.circuit!.openUntil} after ${open.status!.circuit!.consecutiveFailures} consecutive failed runs`,
      });
    },
    operatorTestTimeoutMs,
  );

  it(
    'a SchedulePolicy: a usable schedule Healthy, an unknown time zone Degraded',
    async () => {
      const scheduled = await waitForObject(
        'SchedulePolicy',
        'nightly',
        'Ready',
        (o) => condition(o, 'Ready')?.status === 'True',
      );
      expect(await healthOf(scheduled, 'scheduled')).toEqual({
        status: 'Healthy',
        message: condition(scheduled, 'Ready')?.message,
      });

      const stalled = await waitForObject(
        'SchedulePolicy',
        'martian',
        'Stalled',
        (o) => condition(o, 'Stalled')?.status === 'True',
      );
      expect(condition(stalled, 'Stalled')).toMatchObject({ reason: 'InvalidTimeZone' });
      expect(await healthOf(stalled, 'stalled-invalid-time-zone')).toEqual({
        status: 'Degraded',
        message: condition(stalled, 'Stalled')?.message,
      });
    },
    operatorTestTimeoutMs,
  );

  it('a change the operator has not acted on yet is Progressing, for every kind', async () => {
    const ns = namespace();
    await operator.stop();
    for (const [kind, name, patch] of [
      ['BenchmarkSuite', 'smoke', { spec: { maxConcurrentRuns: 1 } }],
      ['ProviderPolicy', 'healthy', { spec: { maxConcurrentRuns: 3 } }],
      ['SchedulePolicy', 'nightly', { spec: { schedule: '0 3 * * *' } }],
    ] as const) {
      await kubectl(['patch', kind, name, '--type=merge', '-p', JSON.stringify(patch)], { namespace: ns });
      const object = await kubectlGetJson<LiveObject>([kind, name], { namespace: ns });
      expect(object.status?.observedGeneration).toBeLessThan(object.metadata.generation!);
      expect(await healthOf(object, 'generation-not-observed')).toEqual({
        status: 'Progressing',
        message: `Waiting for the operator to observe generation ${object.metadata.generation}`,
      });
    }
  });
});
