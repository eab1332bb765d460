// Real runs on the real node (hack/testenv/node): the operator's Jobs run the bench-runner image
// built by `make images` in real containers, against an OpenAI-compatible stand-in on the node's
// bridge. Everything the kubelet does for a run is checked here, not simulated: the image, the
// Secret reference, the restricted security context, the datasets ConfigMap, the memory limit, the
// termination message, and SIGTERM on preemption.
//
// Every test that runs pods on the node is in this file (test/e2e/real-node/ holds the longer
// ones), so they run one after the other on its two CPUs, and the last takes the node down with
// nothing else on it; its taint keeps every other test's pods off it.
import { createHash, randomBytes } from 'node:crypto';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { FakePrompt, FakeProvider } from '../../runner/test/fakes/core.ts';
import { builtTool } from '../support/built-tool.ts';
import { eventsFor } from '../support/events.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { kubeconfigPath, kubectlBinary, repoRoot } from '../support/paths.ts';
import {
  createStandInCredentials,
  BRIDGE,
  OPERATOR_DEPLOYMENT,
  OPERATOR_NAMESPACE,
  realNodeInstallKustomization,
  PAUSE_IMAGE,
  REAL_NODE,
  RUNNER_IMAGE,
  realNodePlacement,
  realNodeSchedulePolicy,
  startBridgeStandIn,
  standInProviderPolicy,
} from '../support/real-node.ts';
import { waitForSuite } from '../support/suites.ts';
import type { BenchmarkRound } from '../../operator/src/api/v1alpha1/index.ts';
import { gatedRoundsOnTheRealNode } from './real-node/gated-rounds.ts';
import { judgeOnTheRealNode } from './real-node/judge.ts';
import { largeResultsOnTheRealNode } from './real-node/large-results.ts';
import { resumeOnTheRealNode } from './real-node/resume.ts';
import { runFailuresOnTheRealNode } from './real-node/run-failures.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('real');
stopOperatorsAfterAll();

const API_KEY = `sk-real-node-${randomBytes(12).toString('hex')}`;
const DATASETS = readFileSync(path.join(repoRoot, 'examples/25-datasets.yaml'), 'utf8');
/** The stand-in's one answer to every multiple-choice question. */
const CHOICE_ANSWER = 'B';

interface DatasetItem {
  id: string;
  category?: string;
  expected: unknown;
}
const datasetItems = (key: string): DatasetItem[] =>
  (parse(DATASETS) as { data: Record<string, string> }).data[key]!.trim()
    .split('\n')
    .map((line) => JSON.parse(line) as DatasetItem);

/** What the stand-in answers: the letter B to multiple choice, "pong" to anything else. */
const answer = (prompt: FakePrompt): string =>
  prompt.messages.some((m) => m.content.includes('letter of the correct option')) ? CHOICE_ANSWER : 'pong';

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    containers: Array<{ env?: Array<{ name: string; value?: string; valueFrom?: unknown }> }>;
  };
  status: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: Array<{
      imageID?: string;
      restartCount?: number;
      state?: { terminated?: { exitCode: number; message?: string; reason?: string } };
    }>;
  };
}
interface List<T> {
  items: T[];
}

const podsOf = async (ns: string, suite: string): Promise<Pod[]> =>
  (await kubectlGetJson<List<Pod>>(['pods', '-l', `bench.dev/suite=${suite}`], { namespace: ns })).items;

function suite(name: string, policy: string, benchmarks: unknown[]) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      schedulePolicyRef: policy,
      runner: {
        image: RUNNER_IMAGE,
        volumes: [{ name: 'datasets', configMap: { name: 'bench-datasets' } }],
        volumeMounts: [{ name: 'datasets', mountPath: '/datasets', readOnly: true }],
      },
      targets: [{ name: 'stand-in', providerRef: 'stand-in', model: 'stand-in-1' }],
      benchmarks,
      retry: { limit: 0 },
    },
  };
}

/**
 * A run whose container reports, as its result, what the kubelet made of it: the user and group it
 * runs as, whether the root filesystem and /tmp are writable, its capabilities, no_new_privs and
 * seccomp mode, its memory limit, the dataset mount, and whether BENCH_API_KEY holds the Secret's
 * value (compared by hash, so the key itself is in no spec).
 */
const PROBE_SCRIPT = `
const fs = require('node:fs');
const crypto = require('node:crypto');
const writable = (file) => { try { fs.writeFileSync(file, 'x'); return 1; } catch { return 0; } };
const status = fs.readFileSync('/proc/self/status', 'utf8');
const field = (name) => new RegExp('^' + name + ':\\\\s*(\\\\S+)', 'm').exec(status)[1];
const key = process.env.BENCH_API_KEY ?? '';
const metrics = {
  uid: process.getuid(),
  gid: process.getgid(),
  rootWritable: writable('/probe'),
  tmpWritable: writable('/tmp/probe'),
  effectiveCapabilities: Number.parseInt(field('CapEff'), 16),
  noNewPrivs: Number(field('NoNewPrivs')),
  seccompMode: Number(field('Seccomp')),
  memoryLimitBytes: Number(fs.readFileSync('/sys/fs/cgroup/memory/memory.limit_in_bytes', 'utf8')),
  datasetLines: fs.readFileSync('/datasets/mmlu-stem.jsonl', 'utf8').trim().split('\\n').length,
  apiKeyMatches: crypto.createHash('sha256').update(key).digest('hex') === process.env.EXPECTED_KEY_SHA256 ? 1 : 0,
};
fs.writeFileSync('/dev/termination-log', JSON.stringify({ score: 1, metrics }));
`;

/** Real containers on two CPUs shared with the rest of the e2e run: image start-up, node pressure. */
const REAL_RUN_TIMEOUT_MS = 360_000;

describe('the real node', () => {
  let standIn: FakeProvider;

  beforeAll(async () => {
    standIn = await startBridgeStandIn({ apiKey: API_KEY, answer });
    const ns = namespace();
    await createStandInCredentials(ns, API_KEY);
    await kubectlApply(
      [
        DATASETS,
        stringify(standInProviderPolicy('stand-in', standIn, { maxConcurrentRuns: 4 })),
        stringify(realNodeSchedulePolicy('real')),
      ].join('---\n'),
      { namespace: ns },
    );
  });
  afterAll(async () => {
    await standIn?.close();
  });

  it('is Ready beside the KWOK nodes, with containerd as its runtime (kubectl get nodes -o wide)', async () => {
    const { stdout } = await kubectl(['get', 'nodes', '-o', 'wide', '--no-headers']);
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    const real = rows.find((row) => row[0] === REAL_NODE);
    expect(real, `${REAL_NODE} among the nodes:\n${stdout}`).toBeDefined();
    expect(real![1]).toBe('Ready');
    expect(real!.at(-1), 'CONTAINER-RUNTIME of the real node').toMatch(/^containerd:\/\/1\./);
    const kwok = rows.filter((row) => row[0]!.startsWith('kwok-'));
    expect(kwok.length, 'KWOK nodes beside it').toBeGreaterThan(0);
    expect(kwok.every((row) => row[1] === 'Ready')).toBe(true);
  });

  it(
    "runs bench-runner in real containers: the status shows the scores it computed from the stand-in's answers",
    { timeout: REAL_RUN_TIMEOUT_MS },
    async () => {
      const ns = namespace();
      const operator = startOperator({ namespaces: [ns] });
      const keyHash = createHash('sha256').update(API_KEY).digest('hex');
      const probe = suite('probe', 'real', [{ name: 'kubelet' }]);
      // The same image, another program: what the container sees, as its result.
      Object.assign(probe.spec.runner, {
        command: ['node', '-e', PROBE_SCRIPT],
        env: [{ name: 'EXPECTED_KEY_SHA256', value: keyHash }],
      });
      await kubectlApply(
        [suite('scored', 'real', [{ name: 'mmlu', args: ['--dataset=/datasets/mmlu-stem.jsonl'] }]), probe]
          .map((o) => stringify(o))
          .join('---\n'),
        { namespace: ns },
      );
      const finished = (s: { phase?: string }) => s.phase === 'Succeeded' || s.phase === 'Failed';
      const status = await waitForSuite(ns, 'scored', finished, 240_000);
      const probed = await waitForSuite(ns, 'probe', finished, 120_000);
      expect(status.phase, JSON.stringify(status.runs, null, 2)).toBe('Succeeded');
      expect(probed.phase, JSON.stringify(probed.runs, null, 2)).toBe('Succeeded');
      const mmlu = status.runs![0]!;

      // The score bench-runner computed: the share of the questions whose answer is B.
      const items = datasetItems('mmlu-stem.jsonl');
      const correct = items.filter((item) => item.expected === CHOICE_ANSWER);
      expect(mmlu.result?.score).toBeCloseTo(correct.length / items.length, 4);
      for (const category of new Set(items.map((item) => item.category!))) {
        const inCategory = items.filter((item) => item.category === category);
        const share = inCategory.filter((item) => item.expected === CHOICE_ANSWER).length / inCategory.length;
        expect(mmlu.result?.metrics?.[`accuracy/${category}`], `accuracy/${category}`).toBeCloseTo(share, 4);
      }
      expect(mmlu.result?.usage?.inputTokens).toBeGreaterThan(0);

      // The round's record: the run as the status shows it, with Wilson's 95% interval of the share
      // of correct items (the formula written out here, independently of operator/src/core/stats).
      const [record] = (
        await kubectlGetJson<{ items: BenchmarkRound[] }>(
          ['benchmarkrounds', '-l', 'bench.dev/suite=scored'],
          {
            namespace: ns,
          },
        )
      ).items;
      const n = items.length;
      const p = correct.length / n;
      const z = 1.959963984540054;
      const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
      const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
      expect(record?.spec.runs?.[0]?.interval).toEqual({
        method: 'Wilson',
        items: n,
        low: expect.closeTo(centre - half, 9) as unknown,
        high: expect.closeTo(centre + half, 9) as unknown,
        standardError: expect.closeTo(Math.sqrt((p * (1 - p)) / n), 12) as unknown,
      });
      const prompts = standIn.requests.filter((r) => r.prompt?.model === 'stand-in-1');
      expect(prompts.length, 'one request per item reached the stand-in').toBeGreaterThanOrEqual(
        items.length,
      );
      expect(prompts.every((r) => r.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);

      // What the kubelet did to the container, as the container saw it.
      expect(probed.runs![0]!.result?.metrics).toEqual({
        uid: 65532, // the image's USER: the pod only says runAsNonRoot
        gid: 65532,
        rootWritable: 0,
        tmpWritable: 1, // the operator's emptyDir
        effectiveCapabilities: 0,
        noNewPrivs: 1,
        seccompMode: 2, // RuntimeDefault: a filter
        memoryLimitBytes: 256 * 1024 * 1024, // the SchedulePolicy's limit
        datasetLines: items.length,
        apiKeyMatches: 1,
      });

      // The pods ran on the real node, from the image built here.
      const pods = [...(await podsOf(ns, 'scored')), ...(await podsOf(ns, 'probe'))];
      expect(pods).toHaveLength(2);
      for (const pod of pods) {
        expect(pod.spec.nodeName).toBe(REAL_NODE);
        expect(pod.status.phase).toBe('Succeeded');
        expect(pod.status.containerStatuses?.[0]?.imageID).toMatch(/^sha256:|@sha256:/);
      }

      // The key reached the container by secretKeyRef and nowhere else: not in the Jobs or pods, the
      // suite, the Events, nor the operator's log.
      const jobs = await kubectl(['get', 'jobs,pods,benchmarksuites,events', '-o', 'yaml'], {
        namespace: ns,
      });
      expect(jobs.stdout).not.toContain(API_KEY);
      expect(jobs.stdout).toContain('secretKeyRef');
      expect(readFileSync(operator.logFile, 'utf8')).not.toContain(API_KEY);
      expect((await eventsFor('BenchmarkSuite', 'scored', ns)).map((e) => e.note).join('\n')).not.toContain(
        API_KEY,
      );
    },
  );

  it(
    'preemption: the runner gets SIGTERM and leaves a partial result; the run is re-run, not counted as a provider failure',
    { timeout: REAL_RUN_TIMEOUT_MS },
    async () => {
      const ns = namespace();
      const low = `bench-e2e-real-low-${ns}`;
      const high = `bench-e2e-real-high-${ns}`;
      await kubectlApply(
        [
          { name: low, value: 100 },
          { name: high, value: 10_000 },
        ]
          .map(({ name, value }) =>
            stringify({
              apiVersion: 'scheduling.k8s.io/v1',
              kind: 'PriorityClass',
              metadata: { name },
              value,
            }),
          )
          .join('---\n'),
      );
      try {
        // Most of the node's two CPUs: a second such pod does not fit beside the run.
        const cpu = '1200m';
        await kubectlApply(
          stringify(
            realNodeSchedulePolicy('low', {
              priorityClassName: low,
              resources: { requests: { cpu, memory: '128Mi' }, limits: { memory: '256Mi' } },
            }),
          ),
          { namespace: ns },
        );
        startOperator({ namespaces: [ns] });
        // Slow answers, one at a time: the run is still going when it is preempted.
        standIn.failAlways({ type: 'delay', ms: 1_500 });
        const podEvents = watchPods(ns, 'bench.dev/suite=slow');
        await kubectlApply(
          stringify(
            suite('slow', 'low', [
              { name: 'mmlu', args: ['--dataset=/datasets/mmlu-stem.jsonl', '--concurrency=1'] },
            ]),
          ),
          { namespace: ns },
        );
        const before = standIn.requests.length;
        const victim = await waitFor(
          'the low-priority run to be Running on the real node and asking the stand-in',
          async () => {
            const running = (await podsOf(ns, 'slow')).find((p) => p.status.phase === 'Running');
            return {
              done: running !== undefined && standIn.requests.length > before,
              value: running,
              seen: standIn.requests.length - before,
            };
          },
          { timeoutMs: 120_000 },
        );

        // A higher-priority pod that cannot fit beside it.
        await kubectlApply(
          stringify({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'urgent' },
            spec: {
              priorityClassName: high,
              ...realNodePlacement,
              containers: [
                { name: 'wait', image: PAUSE_IMAGE, resources: { requests: { cpu, memory: '16Mi' } } },
              ],
            },
          }),
          { namespace: ns },
        );
        const terminated = await waitFor(
          `the preempted pod ${victim.metadata.name} to end with the runner's exit code and result`,
          () => {
            const last = podEvents.latest(victim.metadata.name);
            const state = last?.status.containerStatuses?.[0]?.state?.terminated;
            return { done: state !== undefined, value: { pod: last!, state: state! }, seen: last?.status };
          },
          { timeoutMs: 90_000 },
        );
        expect(terminated.state.exitCode, 'bench-runner ended by SIGTERM').toBe(143);
        const partial = JSON.parse(terminated.state.message ?? '{}') as { metrics?: Record<string, number> };
        expect(partial.metrics?.answeredItems, 'a partial result: some items, not all').toBeGreaterThan(0);
        expect(partial.metrics?.answeredItems).toBeLessThan(datasetItems('mmlu-stem.jsonl').length);
        expect(terminated.pod.status.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
          status: 'True',
          reason: 'PreemptionByScheduler',
        });

        // The urgent work is done: the Job's replacement pod runs the whole benchmark again.
        standIn.failAlways(undefined);
        await kubectl(['delete', 'pod', 'urgent', '--wait=false'], { namespace: ns });
        const done = await waitForSuite(
          ns,
          'slow',
          (s) => s.phase === 'Succeeded' || s.phase === 'Failed',
          180_000,
        );
        expect(done.runs?.[0], 'the same attempt, succeeded').toMatchObject({
          state: 'Succeeded',
          attempt: 1,
        });
        const policy = await kubectlGetJson<{
          status?: { circuit?: { state?: string; consecutiveFailures?: number } };
        }>(['providerpolicy', 'stand-in'], { namespace: ns });
        expect(policy.status?.circuit?.consecutiveFailures ?? 0, 'no provider failure counted').toBe(0);
        expect(policy.status?.circuit?.state ?? 'Closed').toBe('Closed');
        podEvents.stop();
      } finally {
        standIn.failAlways(undefined);
        await kubectl(['delete', 'priorityclass', low, high, '--wait=false'], { allowFailure: true });
      }
    },
  );

  describe('installed as users install it, on the real node', () => {
    it(
      'kubectl apply -f dist/install.yaml: two replicas with leader election run a suite to completion',
      { timeout: REAL_RUN_TIMEOUT_MS },
      async () => {
        const ns = namespace();
        const dir = realNodeInstallKustomization(ns);
        const rendered = (await kubectl(['kustomize', dir])).stdout;
        await kubectl(['apply', '--server-side', '-f', '-'], { input: rendered });
        try {
          await expectOperatorRunsSuite(ns, 'installed');
        } finally {
          // Everything but the CRDs, which the other test files use.
          const objects = rendered
            .split(/^---$/m)
            .filter((doc) => doc.trim() && !/^kind: CustomResourceDefinition$/m.test(doc))
            .join('---\n');
          await kubectl(['delete', '--wait=true', '--timeout=120s', '--ignore-not-found', '-f', '-'], {
            input: objects,
          });
        }
      },
    );

    it(
      'helm install dist/chart: the same, into a namespace labelled for the restricted profile',
      { timeout: REAL_RUN_TIMEOUT_MS },
      async () => {
        const ns = namespace();
        const helm = await builtTool('hack/testenv/helm/build.sh');
        await kubectl(['create', 'namespace', OPERATOR_NAMESPACE]);
        await kubectl([
          'label',
          'namespace',
          OPERATOR_NAMESPACE,
          'pod-security.kubernetes.io/enforce=restricted',
        ]);
        const helmArgs = ['--kubeconfig', kubeconfigPath, '--namespace', OPERATOR_NAMESPACE];
        try {
          await run(helm, [
            'install',
            'bench-operator',
            path.join(repoRoot, 'dist/chart'),
            ...helmArgs,
            // The CRDs are there already (the e2e set-up installs them for every test file).
            '--set',
            'crds.install=false',
            // The real node's placement; only this file's namespace (other files run operators).
            '--set-json',
            `nodeSelector=${JSON.stringify(realNodePlacement.nodeSelector)}`,
            '--set-json',
            `tolerations=${JSON.stringify(realNodePlacement.tolerations)}`,
            '--set-json',
            `watchNamespaces=${JSON.stringify([ns])}`,
          ]);
          await expectOperatorRunsSuite(ns, 'helmed');
        } finally {
          await run(helm, ['uninstall', 'bench-operator', ...helmArgs, '--wait']).catch(() => undefined);
          await kubectl([
            'delete',
            'namespace',
            OPERATOR_NAMESPACE,
            '--wait=true',
            '--timeout=120s',
            '--ignore-not-found',
          ]);
        }
      },
    );

    /**
     * The Deployment becomes Available on the real node (its image, probes, ServiceAccount token,
     * the kubernetes Service), one replica holds the Lease, and a suite of `ns` runs to completion
     * through it. Records the pods' peak memory (their cgroup's) in .cache/test-logs.
     */
    async function expectOperatorRunsSuite(ns: string, name: string): Promise<void> {
      await kubectl(['rollout', 'status', `deployment/${OPERATOR_DEPLOYMENT}`, '--timeout=180s'], {
        namespace: OPERATOR_NAMESPACE,
      });
      const pods = (
        await kubectlGetJson<List<Pod>>(['pods', '-l', 'control-plane=controller-manager'], {
          namespace: OPERATOR_NAMESPACE,
        })
      ).items.filter((pod) => !pod.metadata.deletionTimestamp);
      expect(pods.map((pod) => pod.spec.nodeName)).toEqual([REAL_NODE, REAL_NODE]);
      const lease = await waitFor(
        'one operator pod to hold the leader-election Lease',
        async () => {
          const leases = await kubectlGetJson<List<{ spec: { holderIdentity?: string } }>>(['leases'], {
            namespace: OPERATOR_NAMESPACE,
          });
          const holder = leases.items.map((l) => l.spec.holderIdentity).find((h) => h);
          return { done: holder !== undefined, value: holder, seen: leases.items };
        },
        { timeoutMs: 60_000 },
      );
      expect(pods.map((pod) => pod.metadata.name)).toContain(lease);

      await kubectlApply(
        stringify(suite(name, 'real', [{ name: 'mmlu', args: ['--dataset=/datasets/mmlu-stem.jsonl'] }])),
        { namespace: ns },
      );
      const status = await waitForSuite(
        ns,
        name,
        (s) => s.phase === 'Succeeded' || s.phase === 'Failed',
        240_000,
      );
      expect(status.phase, JSON.stringify(status.runs, null, 2)).toBe('Succeeded');
      const items = datasetItems('mmlu-stem.jsonl');
      expect(status.runs?.[0]?.result?.score).toBeCloseTo(
        items.filter((item) => item.expected === CHOICE_ANSWER).length / items.length,
        4,
      );

      const after = (
        await kubectlGetJson<List<Pod>>(['pods', '-l', 'control-plane=controller-manager'], {
          namespace: OPERATOR_NAMESPACE,
        })
      ).items;
      expect(after.flatMap((pod) => pod.status.containerStatuses?.map((c) => c.restartCount) ?? [])).toEqual([
        0, 0,
      ]);
      recordPeakMemory(
        name,
        after.map((pod) => pod.metadata.uid),
      );
    }
  });
});

// The other tests that run pods on the node, in this file so that they run one after the other,
// before the node is taken down.
describe('the real node, with what goes wrong below the runner, large results, gated rounds, resume and a judge', () => {
  runFailuresOnTheRealNode();
  largeResultsOnTheRealNode();
  gatedRoundsOnTheRealNode();
  resumeOnTheRealNode();
  judgeOnTheRealNode();
});

// Last: the node goes down and comes back, which no other test file may see (its pods would die).
describe('the real node, taken down', () => {
  it(
    'node.sh down leaves nothing running or mounted, and up brings the node back',
    { timeout: REAL_RUN_TIMEOUT_MS },
    async () => {
      const state = path.join(repoRoot, '.cache/testenv/node');
      const nodeScript = path.join(repoRoot, 'hack/testenv/node/node.sh');
      execFileSync(nodeScript, ['down'], { stdio: 'pipe' });
      const processes = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(state) || /containerd-shim|kube-proxy|kubelet /.test(line));
      expect(processes, 'processes of the node').toEqual([]);
      const mounts = readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .filter((line) => line.includes(state));
      expect(mounts, 'mounts under its state folder').toEqual([]);
      expect(existsSync(state), 'its state folder').toBe(false);
      expect(existsSync(path.join('/sys/class/net', BRIDGE)), `the bridge ${BRIDGE}`).toBe(false);
      const rules = execFileSync('iptables-save', { encoding: 'utf8' });
      expect(rules, "kube-proxy's rules").not.toMatch(/KUBE-SERVICES/);
      expect(existsSync('/run/containerd/s') && readdirSync('/run/containerd/s').length > 0).toBe(false);

      // Its images are imported again by the next e2e set-up (node.sh load), when it needs them.
      execFileSync(nodeScript, ['up'], { stdio: 'pipe' });
      const { stdout } = await kubectl([
        'get',
        'node',
        REAL_NODE,
        '-o',
        'jsonpath={.status.nodeInfo.containerRuntimeVersion}',
      ]);
      expect(stdout).toMatch(/^containerd:\/\//);
    },
  );
});

/**
 * Every version of the matching pods, from `kubectl get pods --watch`: a preempted pod is deleted
 * soon after its container ends, so its last state is read from the watch, not from a later get.
 */
function watchPods(ns: string, selector: string) {
  const child = spawn(
    kubectlBinary,
    ['--kubeconfig', kubeconfigPath, '-n', ns, 'get', 'pods', '-l', selector, '--watch', '-o', 'json'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const latest = new Map<string, Pod>();
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    // kubectl writes one pretty-printed object after another: each ends with "}" alone on a line.
    for (let end = buffer.indexOf('\n}\n'); end >= 0; end = buffer.indexOf('\n}\n')) {
      const pod = JSON.parse(buffer.slice(0, end + 2)) as Pod;
      latest.set(pod.metadata.name, pod);
      buffer = buffer.slice(end + 3);
    }
  });
  return {
    latest: (name: string) => latest.get(name),
    stop: () => child.kill(),
  };
}

function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${path.basename(binary)} ${args.join(' ')}: ${stderr || error.message}`))
        : resolve(stdout),
    );
  });
}

/**
 * The operator pods' peak memory, from their cgroup on the real node (cgroup v1, the kubelet's
 * cgroupfs layout), written to .cache/test-logs/operator-pod-memory-<name>.json for the record.
 */
function recordPeakMemory(name: string, podUids: string[]): void {
  const peaks = podUids.map((uid) => {
    for (const qos of ['burstable', 'besteffort', '']) {
      const file = path.join('/sys/fs/cgroup/memory/kubepods', qos, `pod${uid}`, 'memory.max_usage_in_bytes');
      try {
        return { uid, peakBytes: Number(readFileSync(file, 'utf8')) };
      } catch {
        // another QoS class
      }
    }
    throw new Error(`no memory cgroup for pod ${uid} under /sys/fs/cgroup/memory/kubepods`);
  });
  for (const peak of peaks) expect(peak.peakBytes, 'below the 512Mi limit').toBeLessThan(512 * 1024 * 1024);
  const dir = path.join(repoRoot, '.cache/test-logs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `operator-pod-memory-${name}.json`), `${JSON.stringify(peaks, null, 2)}\n`);
}
