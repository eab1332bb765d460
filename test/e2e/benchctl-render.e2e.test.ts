// benchctl render prints exactly the Jobs the operator creates: the real operator runs a suite on
// the real control plane, and each Job it made equals the one `benchctl render` printed beforehand,
// once the fields the API server and the Job controller fill in are set aside.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { benchctl, parseJson } from '../support/benchctl.ts';
import { kubectl, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';

const namespace = useNamespace('render');
stopOperatorsAfterAll();
const scratch = mkdtempSync(path.join(tmpdir(), 'benchctl-render-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Job = { metadata: { name: string } & Record<string, Json> } & Record<string, Json>;

const REVISION = 'main@sha1:4f1c2d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c';

const manifests = [
  {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name: 'openai' },
    spec: {
      provider: 'openai-compatible',
      endpoint: 'http://vllm.models.svc:8000/v1',
      credentialsSecretRef: { name: 'openai-credentials' },
      // An in-cluster server over plain http: the Jobs carry BENCH_ALLOW_PLAIN_HTTP.
      allowPlainHTTP: true,
      maxConcurrentRuns: 8,
      rateLimit: { requestsPerMinute: 600, tokensPerMinute: 100000 },
    },
  },
  {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name: 'cpu' },
    spec: {
      placement: {
        nodeSelector: { 'bench.dev/node-pool': 'cpu' },
        tolerations: [{ key: 'bench.dev/dedicated', operator: 'Exists', effect: 'NoSchedule' }],
      },
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      runTimeout: '15m',
      ttlAfterFinished: '1h',
    },
  },
  {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: 'review', annotations: { 'bench.dev/source-revision': REVISION } },
    spec: {
      schedulePolicyRef: 'cpu',
      runner: {
        image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
        args: ['--log-format=json'],
        env: [{ name: 'LOG_LEVEL', value: 'debug' }],
        podAnnotations: { 'example.com/team': 'evals' },
      },
      targets: [
        { name: 'llama', providerRef: 'openai', model: 'llama-3-70b', parameters: { temperature: '0' } },
        { name: 'qwen', providerRef: 'openai', model: 'qwen-2.5-72b' },
      ],
      benchmarks: [
        { name: 'warmup', timeout: '2m' },
        {
          name: 'mmlu',
          dependsOn: ['warmup'],
          shards: 2,
          args: ['--subset=all'],
          resources: { requests: { cpu: '500m' } },
        },
      ],
    },
  },
];

/**
 * Fields the operator does not set: filled in by the API server's defaulting and the Job controller
 * (the selector and its labels), and the suite's uid, which only exists once the suite does.
 */
const SERVER_SET = new Set([
  'metadata.ownerReferences[].uid',
  'spec.completionMode',
  'spec.manualSelector',
  'spec.podReplacementPolicy',
  'spec.selector',
  'spec.suspend',
  'spec.template.metadata.labels.batch.kubernetes.io/controller-uid',
  'spec.template.metadata.labels.batch.kubernetes.io/job-name',
  'spec.template.metadata.labels.controller-uid',
  'spec.template.metadata.labels.job-name',
  'spec.template.spec.containers[].imagePullPolicy',
  'spec.template.spec.containers[].terminationMessagePath',
  'spec.template.spec.dnsPolicy',
  'spec.template.spec.schedulerName',
  'spec.template.spec.terminationGracePeriodSeconds',
]);

/**
 * Where a created Job differs from the rendered one: fields only the server set are collected in
 * `serverSet` (by path, list indices as []); every other difference is listed in `differences`.
 */
function compare(
  created: Json,
  rendered: Json,
  at: string,
  out: { serverSet: Set<string>; differences: string[] },
) {
  if (Array.isArray(created) && Array.isArray(rendered)) {
    if (created.length !== rendered.length)
      out.differences.push(`${at}: ${created.length} items, rendered ${rendered.length}`);
    created.forEach((item, i) => compare(item, rendered[i] ?? null, `${at}[]`, out));
    return;
  }
  if (
    created &&
    rendered &&
    typeof created === 'object' &&
    typeof rendered === 'object' &&
    !Array.isArray(created) &&
    !Array.isArray(rendered)
  ) {
    for (const key of new Set([...Object.keys(created), ...Object.keys(rendered)])) {
      const where = at ? `${at}.${key}` : key;
      if (!(key in rendered)) out.serverSet.add(where);
      else if (!(key in created))
        out.differences.push(`${where}: rendered ${JSON.stringify(rendered[key])}, not on the cluster`);
      else compare(created[key]!, rendered[key]!, where, out);
    }
    return;
  }
  if (JSON.stringify(created) !== JSON.stringify(rendered)) {
    out.differences.push(
      `${at}: on the cluster ${JSON.stringify(created)}, rendered ${JSON.stringify(rendered)}`,
    );
  }
}

describe('benchctl render', () => {
  it(
    'prints the Jobs the operator creates: every Job, its labels, annotations and spec',
    { timeout: 240_000 },
    async () => {
      const file = path.join(scratch, 'review.yaml');
      writeFileSync(file, manifests.map((m) => stringify(m)).join('---\n'));

      const render = await benchctl(['render', file, '-n', namespace(), '-o', 'json']);
      expect(render.stderr).toBe('');
      expect(render.code).toBe(0);
      const rendered = parseJson<{ items: Job[] }>(render).items;
      expect(rendered.map((j) => j.metadata.name)).toEqual([
        'review-1-warmup-llama',
        'review-1-warmup-qwen',
        'review-1-mmlu-llama',
        'review-1-mmlu-qwen',
      ]);

      startOperator({ namespaces: [namespace()] });
      await kubectl(['apply', '-f', file], { namespace: namespace() });
      // Dependents are created once warmup succeeded: at the end of the round, all four exist.
      await waitForSuite(namespace(), 'review', (s) => s.phase === 'Succeeded', 180_000);
      const created = await kubectlGetJson<{ items: Job[] }>(
        ['jobs', '-l', 'app.kubernetes.io/managed-by=bench-operator'],
        {
          namespace: namespace(),
        },
      );
      expect(created.items.map((j) => j.metadata.name).sort()).toEqual(
        rendered.map((j) => j.metadata.name).sort(),
      );

      const serverSet = new Set<string>();
      for (const job of rendered) {
        const onCluster = created.items.find((j) => j.metadata.name === job.metadata.name)!;
        const out = { serverSet, differences: [] as string[] };
        const { status: _status, ...createdJob } = onCluster;
        const {
          uid: _u,
          resourceVersion: _rv,
          creationTimestamp: _c,
          generation: _g,
          managedFields: _m,
          ...metadata
        } = onCluster.metadata as Record<string, Json>;
        // Which replica created the Job: known to the operator, not to a rendering.
        const { 'bench.dev/written-by': writer, ...annotations } = metadata.annotations as Record<
          string,
          Json
        >;
        expect(writer, `${job.metadata.name}: the replica that created it`).toEqual(expect.any(String));
        compare({ ...createdJob, metadata: { ...metadata, annotations } }, job, '', out);
        expect(out.differences, job.metadata.name).toEqual([]);
      }
      // Everything the operator left out, the server set: nothing else is missing from the rendering.
      expect([...serverSet].filter((f) => !SERVER_SET.has(f))).toEqual([]);
      // The suite's revision is on every Job of the round, as rendered.
      for (const job of created.items) {
        expect((job.metadata.annotations as Record<string, string>)['bench.dev/source-revision']).toBe(
          REVISION,
        );
      }
    },
  );
});
