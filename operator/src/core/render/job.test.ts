import { describe, expect, it } from 'vitest';
import { renderJob, type JobRenderInput } from './job.ts';
import { jobInput as input } from './test-input.ts';

const pod = (job: ReturnType<typeof renderJob>) => job.spec!.template.spec!;

describe('renderJob volumes', () => {
  it('has only the operator’s /tmp emptyDir when the suite declares none', () => {
    const spec = pod(renderJob(input({})));
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(spec.containers[0]!.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('adds the runner’s volumes and mounts after the operator’s, as written', () => {
    const datasets = { name: 'datasets', configMap: { name: 'bench-datasets', defaultMode: 0o444 } };
    const corpus = { name: 'corpus', persistentVolumeClaim: { claimName: 'eval-corpus', readOnly: true } };
    const spec = pod(
      renderJob(
        input({
          volumes: [datasets, corpus],
          volumeMounts: [
            { name: 'datasets', mountPath: '/data', readOnly: true },
            { name: 'corpus', mountPath: '/corpus', subPath: 'mmlu' },
          ],
        }),
      ),
    );
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, datasets, corpus]);
    expect(spec.containers[0]!.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'datasets', mountPath: '/data', readOnly: true },
      { name: 'corpus', mountPath: '/corpus', subPath: 'mmlu' },
    ]);
  });

  it('adds a benchmark’s mounts to the runner’s; one at the same mountPath replaces the runner’s in its place', () => {
    const volumes = [
      { name: 'datasets', configMap: { name: 'bench-datasets' } },
      { name: 'scratch', emptyDir: { medium: 'Memory' as const } },
    ];
    const rendered = renderJob(
      input(
        {
          volumes,
          volumeMounts: [
            { name: 'datasets', mountPath: '/data' },
            { name: 'scratch', mountPath: '/scratch' },
          ],
        },
        {
          volumeMounts: [
            { name: 'datasets', mountPath: '/scratch', subPath: 'hello.jsonl', readOnly: true },
            { name: 'datasets', mountPath: '/extra' },
          ],
        },
      ),
    );
    expect(pod(rendered).containers[0]!.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'datasets', mountPath: '/data' },
      { name: 'datasets', mountPath: '/scratch', subPath: 'hello.jsonl', readOnly: true },
      { name: 'datasets', mountPath: '/extra' },
    ]);
    // Every declared volume is in the pod, mounted or not, as in a pod template.
    expect(pod(rendered).volumes!.map((v) => v.name)).toEqual(['tmp', 'datasets', 'scratch']);
  });

  it('renders the same Job for the same input (server-side apply of a re-render is a no-op)', () => {
    const make = () =>
      input(
        { volumes: [{ name: 'datasets', configMap: { name: 'bench-datasets' } }] },
        { volumeMounts: [{ name: 'datasets', mountPath: '/data' }] },
      );
    expect(JSON.stringify(renderJob(make()))).toBe(JSON.stringify(renderJob(make())));
  });
});

describe('renderJob plain http permission', () => {
  const envOf = (providerSpec: JobRenderInput['provider']['spec']) => {
    const rendered = renderJob({
      ...input({}),
      provider: { metadata: { name: 'gateway' }, spec: providerSpec },
    });
    return pod(rendered).containers[0]!.env!;
  };
  const gateway = {
    provider: 'openai-compatible' as const,
    endpoint: 'http://gateway.models.svc:8080/v1',
    credentialsSecretRef: { name: 'gateway-credentials' },
  };

  it('passes BENCH_ALLOW_PLAIN_HTTP=true, after BENCH_ENDPOINT, only when the ProviderPolicy allows plain http', () => {
    const names = (env: ReturnType<typeof envOf>) => env.map((e) => e.name);
    const allowed = envOf({ ...gateway, allowPlainHTTP: true });
    expect(allowed.find((e) => e.name === 'BENCH_ALLOW_PLAIN_HTTP')).toEqual({
      name: 'BENCH_ALLOW_PLAIN_HTTP',
      value: 'true',
    });
    expect(names(allowed).indexOf('BENCH_ALLOW_PLAIN_HTTP')).toBe(
      names(allowed).indexOf('BENCH_ENDPOINT') + 1,
    );
    expect(names(envOf({ ...gateway, allowPlainHTTP: false }))).not.toContain('BENCH_ALLOW_PLAIN_HTTP');
    expect(names(envOf(gateway))).not.toContain('BENCH_ALLOW_PLAIN_HTTP');
  });
});

describe('renderJob artifacts', () => {
  const store = {
    bucket: 'bench-artifacts',
    prefix: 'evals/',
    endpoint: 'http://store.storage:7070',
    region: 'eu-west-1',
    secret: 'bench-artifacts',
  };
  const env = (job: ReturnType<typeof renderJob>) => pod(job).containers[0]!.env!;
  const artifactVariables = (job: ReturnType<typeof renderJob>) =>
    env(job).filter((v) => v.name.startsWith('BENCH_ARTIFACTS_') || v.name.startsWith('AWS_'));

  it('adds nothing when no store is configured', () => {
    expect(artifactVariables(renderJob(input({})))).toEqual([]);
  });

  it('tells the run its folder and the store, with the credentials as references to the optional Secret', () => {
    expect(artifactVariables(renderJob({ ...input({}), round: 3, artifacts: store }))).toEqual([
      { name: 'BENCH_ARTIFACTS_URL', value: 's3://bench-artifacts/evals/team-a/smoke/3/hello-gpt/' },
      { name: 'BENCH_ARTIFACTS_S3_ENDPOINT', value: 'http://store.storage:7070' },
      { name: 'BENCH_ARTIFACTS_S3_REGION', value: 'eu-west-1' },
      {
        name: 'AWS_ACCESS_KEY_ID',
        valueFrom: { secretKeyRef: { name: 'bench-artifacts', key: 'AWS_ACCESS_KEY_ID', optional: true } },
      },
      {
        name: 'AWS_SECRET_ACCESS_KEY',
        valueFrom: {
          secretKeyRef: { name: 'bench-artifacts', key: 'AWS_SECRET_ACCESS_KEY', optional: true },
        },
      },
    ]);
  });

  it('leaves the endpoint and region to the SDK (AWS S3) when not configured; the folder has no shard in it', () => {
    const job = renderJob({
      ...input({}, { shards: 4 }),
      artifacts: { bucket: 'b', prefix: '', secret: 's' },
    });
    expect(artifactVariables(job).map((v) => [v.name, v.value])).toEqual([
      ['BENCH_ARTIFACTS_URL', 's3://b/team-a/smoke/1/hello-gpt/'],
      ['AWS_ACCESS_KEY_ID', undefined],
      ['AWS_SECRET_ACCESS_KEY', undefined],
    ]);
  });
});
